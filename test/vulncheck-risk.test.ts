/**
 * -vulncheck-max-risk: grype's risk score as a second limit, through the real flag path and the
 * grype fixtures (risk-scores: CVE-1999-0001 CVSS 8.2 risk 1.68, CVE-1999-0002 CVSS 8.5
 * risk 96.25; ghsa-related-nvd: GHSA-4374-p667-p6c8 CVSS 7.5 risk 0.12225…).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseFlags } from '../src/cli/flags.js';
import { FLAGS } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import {
  checkImages, formatVulncheckReport, mappingVulncheckResult, vulncheckConfigFromFlags, writeVulncheckReport, type VulncheckVerdict,
} from '../src/vulncheck/index.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs, digestRef, fakeScannerCommand, fixture, readJson, recordedArgv } from './vulncheck/harness.js';

const PRESENTER = 'scanners/grype/risk-scores.json';
const DEFECTDOJO = 'scanners/grype/ghsa-related-nvd.json';
const APP = digestRef('team/app', 'a');

async function gate(report: string | { json: unknown }, args: string[]): Promise<{ verdict: VulncheckVerdict; scans: number }> {
  const dir = await tempDir();
  const argvLog = join(dir, 'argv.log');
  const source = typeof report === 'string' ? { reportFile: fixture(report) } : { stdout: JSON.stringify(report.json) };
  const command = await fakeScannerCommand(dir, { ...source, argvLog });
  const verdict = await checkImages([APP], configFromArgs(['-vulncheck-command', command, '-vulncheck-format', 'grype-json', ...args]));
  return { verdict, scans: (await recordedArgv(argvLog)).length };
}

const summary = (vs: ReadonlyArray<{ id: string; risk?: number; above?: string[] }>) => vs.map((v) => [v.id, v.risk, v.above]);

describe('-vulncheck-max-risk', () => {
  it('turns checking on by itself; the CVSS rule stays off while -vulncheck-max-cvss is 0', async () => {
    const { verdict, scans } = await gate(PRESENTER, ['-vulncheck-max-risk', '50']);
    assert.equal(scans, 1);
    assert.equal(verdict.enabled, true);
    assert.equal(verdict.passed, false);
    assert.deepEqual(summary(verdict.images[0]!.rejected), [['CVE-1999-0002', 96.25000000000001, ['risk']]]);
    assert.deepEqual(summary(verdict.images[0]!.found), [['CVE-1999-0001', 1.68, undefined]]);
  });

  it('a risk equal to the limit passes; strictly greater fails', async () => {
    const atLimit = (await gate(DEFECTDOJO, ['-vulncheck-max-risk', '0.12225000000000001'])).verdict;
    assert.equal(atLimit.passed, true);
    const below = (await gate(DEFECTDOJO, ['-vulncheck-max-risk', '0.1'])).verdict;
    assert.deepEqual(summary(below.images[0]!.rejected), [['GHSA-4374-p667-p6c8', 0.12225000000000001, ['risk']]]);
  });

  it('applies in addition to the CVSS limit, and each rejection says which limits it is above', async () => {
    const { verdict } = await gate(PRESENTER, ['-vulncheck-max-cvss', '8.3', '-vulncheck-max-risk', '1']);
    assert.deepEqual(summary(verdict.images[0]!.rejected), [
      ['CVE-1999-0002', 96.25000000000001, ['score', 'risk']],
      ['CVE-1999-0001', 1.68, ['risk']],
    ]);
    assert.equal(formatVulncheckReport(verdict), [
      'vulnerability check failed for 1 image (limits: CVSS 8.3, risk 1):',
      '  2 vulnerabilities above CVSS 8.3 or risk 1:',
      '    8.5   CVE-1999-0002  risk 96.3  (rejected by score and risk)  package-2 2.2.2 (no fix known)',
      '          A synthetic known-exploited issue in package-2 (reimage test fixture).',
      `          in ${APP}`,
      '    8.2   CVE-1999-0001  risk 1.7  (rejected by risk)  package-1 1.1.1 (fixed in 1.2.1, 2.1.3, 3.4.0)',
      '          A synthetic low-severity issue in package-1 (reimage test fixture).',
      `          in ${APP}`,
      '',
    ].join('\n'));
  });

  it('takes the highest risk over matches of the same ID', async () => {
    const json = (await readJson(PRESENTER)) as { matches: Array<{ vulnerability: { id: string } }> };
    // The riskier match first, so that a last-one-wins merge would fail.
    json.matches[1]!.vulnerability.id = 'CVE-1999-0001';
    json.matches.reverse();
    const { verdict } = await gate({ json }, ['-vulncheck-max-risk', '100']);
    assert.deepEqual(verdict.images[0]!.found.map((v) => [v.id, v.score, v.risk]), [['CVE-1999-0001', 8.5, 96.25000000000001]]);
  });

  it('an ignore entry lets a vulnerability above the risk limit through; the report JSON carries the risk', async () => {
    const { verdict } = await gate(PRESENTER, ['-vulncheck-max-risk', '50', '-vulncheck-ignore-cve-list', 'CVE-1999-0002']);
    assert.equal(verdict.passed, true);
    assert.deepEqual(summary(verdict.images[0]!.ignored), [['CVE-1999-0002', 96.25000000000001, ['risk']]]);
    const result = mappingVulncheckResult(verdict.images[0]!, verdict);
    assert.deepEqual([result.Ignored?.map((c) => [c.ID, c.CVSS, c.Risk]), result.Accepted?.map((c) => [c.ID, c.CVSS, c.Risk])], [
      [['CVE-1999-0002', 8.5, 96.25000000000001]], [['CVE-1999-0001', 8.2, 1.68]],
    ]);
    const file = join(await tempDir(), 'report.json');
    await writeVulncheckReport(file, verdict);
    const written = JSON.parse(await readFile(file, 'utf8')) as VulncheckVerdict;
    assert.equal(written.maxRisk, 50);
    assert.equal(written.images[0]!.ignored[0]!.risk, 96.25000000000001);
  });
});

describe('-vulncheck-max-risk flag checks', () => {
  const configWithWarnings = (args: string[]) => {
    const lines: string[] = [];
    vulncheckConfigFromFlags(parseFlags(FLAGS, args).values, createLogger({ write: (l) => lines.push(l) }));
    return lines;
  };

  it('a negative value is a usage error naming the flag', () => {
    assert.throws(() => configFromArgs(['-vulncheck-max-risk', '-1']), (err: Error) => err instanceof UsageError && /-vulncheck-max-risk/.test(err.message));
  });

  it('turns checking on, so -vulncheck-method grafeas needs -grafeas-parent', () => {
    assert.throws(() => configFromArgs(['-vulncheck-method', 'grafeas', '-vulncheck-max-risk', '5']), /-grafeas-parent is required/);
  });

  it('warns once at start-up when the source has no risk scores (trivy-json, grafeas), not with grype-json', () => {
    assert.deepEqual(configWithWarnings(['-vulncheck-max-risk', '5']), [
      'reimage: warn: -vulncheck-max-risk has no effect with -vulncheck-format trivy-json: only grype-json reports have risk scores\n',
    ]);
    assert.deepEqual(configWithWarnings(['-vulncheck-max-risk', '5', '-vulncheck-method', 'grafeas', '-grafeas-parent', 'projects/p']), [
      'reimage: warn: -vulncheck-max-risk has no effect with -vulncheck-method grafeas: only grype-json reports have risk scores\n',
    ]);
    assert.deepEqual(configWithWarnings(['-vulncheck-max-risk', '5', '-vulncheck-format', 'grype-json']), []);
    assert.deepEqual(configWithWarnings(['-vulncheck-format', 'trivy-json']), []);
  });

  it('with a trivy report it has no effect: nothing is above it', async () => {
    const dir = await tempDir();
    const command = await fakeScannerCommand(dir, { reportFile: fixture('scanners/trivy/debian-two-cves.json') });
    const verdict = await checkImages([APP], configFromArgs(['-vulncheck-command', command, '-vulncheck-max-risk', '0.001']));
    assert.equal(verdict.passed, true);
    assert.deepEqual(verdict.images[0]!.found.map((v) => [v.id, v.risk]), [['CVE-2019-18224', undefined], ['CVE-2019-18276', undefined]]);
  });
});
