/**
 * The gate's decisions and what the user sees: strict threshold, 0 and 11, global and per-image
 * ignores, ignored images, unused ignore entries, flag validation, the stderr report, the report
 * file and the mappings CVE fields.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import {
  checkImages, formatVulncheckReport, mappingVulncheckResult, writeVulncheckReport, type VulncheckVerdict,
} from '../src/vulncheck/index.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs, digestRef, fakeScannerCommand, fixture, readJson, recordedArgv } from './vulncheck/harness.js';

// debian-two-cves: CVE-2019-18224 9.8 (libidn2-0), CVE-2019-18276 7.8 (bash).
const BUSTER = fixture('scanners/trivy/debian-two-cves.json');
const BUSTER_DESCRIPTIONS: Record<string, string> = Object.fromEntries(
  ((await readJson('scanners/trivy/debian-two-cves.json')) as { Results: Array<{ Vulnerabilities: Array<{ VulnerabilityID: string; Description: string }> }> })
    .Results[0]!.Vulnerabilities.map((v) => [v.VulnerabilityID, v.Description]),
);
const APP = digestRef('team/app', 'a');
const DB = digestRef('team/db', 'b');

async function gate(args: string[], images = [APP]): Promise<{ verdict: VulncheckVerdict; argv: string[][] }> {
  const dir = await tempDir();
  const argvLog = join(dir, 'argv.log');
  const command = await fakeScannerCommand(dir, { reportFile: BUSTER, argvLog });
  const verdict = await checkImages(images, configFromArgs(['-trivy-command', command, ...args]));
  return { verdict, argv: await recordedArgv(argvLog) };
}

const ids = (vs: ReadonlyArray<{ id: string }>) => vs.map((v) => v.id);

describe('threshold', () => {
  it('0 (the default) turns the gate off: nothing is scanned', async () => {
    const { verdict, argv } = await gate([]);
    assert.deepEqual(verdict, { enabled: false, maxCvss: 0, maxRisk: 0, images: [], rejections: [], unusedIgnores: [], passed: true });
    assert.deepEqual(argv, []);
  });

  it('a score equal to the limit passes; strictly greater fails', async () => {
    const atLimit = (await gate(['-vulncheck-max-cvss', '9.8'])).verdict;
    assert.equal(atLimit.passed, true);
    assert.deepEqual(ids(atLimit.images[0]!.found), ['CVE-2019-18224', 'CVE-2019-18276']);

    const below = (await gate(['-vulncheck-max-cvss', '7.8'])).verdict;
    assert.equal(below.passed, false);
    assert.deepEqual(ids(below.images[0]!.rejected), ['CVE-2019-18224']);
    assert.deepEqual(ids(below.images[0]!.found), ['CVE-2019-18276']);

    const low = (await gate(['-vulncheck-max-cvss', '5'])).verdict;
    assert.deepEqual(low.images[0]!.rejected.map((v) => [v.id, v.score]), [['CVE-2019-18224', 9.8], ['CVE-2019-18276', 7.8]]);
  });

  it('11 scans and records everything but never fails', async () => {
    const { verdict, argv } = await gate(['-vulncheck-max-cvss', '11']);
    assert.equal(verdict.passed, true);
    assert.equal(argv.length, 1);
    assert.deepEqual(ids(verdict.images[0]!.found), ['CVE-2019-18224', 'CVE-2019-18276']);
  });

  it('11 still fails when an image cannot be scanned: a scanner error never passes', async () => {
    const dir = await tempDir();
    const command = await fakeScannerCommand(dir, { exitCode: 2, stderr: 'no such image' });
    const verdict = await checkImages([APP], configFromArgs(['-vulncheck-max-cvss', '11', '-vulncheck-command', command]));
    assert.equal(verdict.passed, false);
    assert.equal(verdict.images[0]!.error?.message, 'scanner exited with code 2');
  });

  it('each distinct image is scanned once', async () => {
    const { verdict, argv } = await gate(['-vulncheck-max-cvss', '11'], [APP, DB, APP]);
    assert.deepEqual(argv.map((a) => a.at(-1)).sort(), [APP, DB]);
    assert.deepEqual(verdict.images.map((r) => r.image), [APP, DB]);
  });
});

describe('ignores', () => {
  it('a global ID lets that vulnerability through in every image', async () => {
    const { verdict } = await gate(['-vulncheck-max-cvss', '7', '-vulncheck-ignore-cve-list', 'CVE-2019-18224,CVE-2019-18276'], [APP, DB]);
    assert.equal(verdict.passed, true);
    for (const r of verdict.images) {
      assert.deepEqual(ids(r.ignored), ['CVE-2019-18224', 'CVE-2019-18276']);
      assert.deepEqual(r.ignored[0]!.ignoredBy, ['CVE-2019-18224']);
    }
    assert.deepEqual(verdict.unusedIgnores, []);
  });

  it('REGEXP=ID,ID ignores only for images whose digest reference matches; (?i) works', async () => {
    const { verdict } = await gate([
      '-vulncheck-max-cvss', '7',
      '-vulncheck-ignore-cve-list', 'CVE-2019-18276',
      '-vulncheck-ignore-cve-list', '(?i)TEAM/APP@=CVE-2019-18224,CVE-2099-0001',
    ], [APP, DB]);
    const [app, db] = verdict.images;
    assert.deepEqual(ids(app!.ignored), ['CVE-2019-18224', 'CVE-2019-18276']);
    assert.deepEqual(app!.ignored[0]!.ignoredBy, ['(?i)TEAM/APP@=CVE-2019-18224']);
    assert.deepEqual(ids(db!.rejected), ['CVE-2019-18224']);
    assert.deepEqual(ids(db!.ignored), ['CVE-2019-18276']);
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.unusedIgnores, ['(?i)TEAM/APP@=CVE-2099-0001']);
  });

  it('each occurrence stands alone, as in Go: a plain list after REGEXP=… is global; a regexp may hold commas', async () => {
    const { verdict } = await gate([
      '-vulncheck-max-cvss', '7',
      '-vulncheck-ignore-cve-list', '(?i)te{1,2}am/app@=CVE-2019-18224',
      '-vulncheck-ignore-cve-list', 'CVE-2019-18276',
    ], [APP, DB]);
    const [app, db] = verdict.images;
    assert.deepEqual(ids(app!.ignored), ['CVE-2019-18224', 'CVE-2019-18276']);
    assert.deepEqual(app!.ignored[0]!.ignoredBy, ['(?i)te{1,2}am/app@=CVE-2019-18224']);
    assert.deepEqual(ids(db!.ignored), ['CVE-2019-18276']);
    assert.deepEqual(ids(db!.rejected), ['CVE-2019-18224']);
  });

  it('an ignore entry for a vulnerability within the limit is unused (it let nothing through)', async () => {
    const { verdict } = await gate(['-vulncheck-max-cvss', '9', '-vulncheck-ignore-cve-list', 'CVE-2019-18276,CVE-2019-18224']);
    assert.deepEqual(verdict.unusedIgnores, ['CVE-2019-18276']);
    assert.deepEqual(ids(verdict.images[0]!.found), ['CVE-2019-18276']);
  });

  it('-vulncheck-ignore-images skips matching images without running the scanner', async () => {
    const { verdict, argv } = await gate(['-vulncheck-max-cvss', '5', '-vulncheck-ignore-images', '/db@'], [APP, DB]);
    assert.deepEqual(argv, [[APP]]);
    assert.deepEqual(verdict.images[1], { image: DB, skipped: true, found: [], ignored: [], rejected: [] });
    assert.deepEqual(mappingVulncheckResult(verdict.images[1]!, verdict), { Ignored: null, Accepted: null, Rejected: null });
  });
});

describe('Docker Hub spellings', () => {
  const HUB = `docker.io/library/nginx@sha256:${'c'.repeat(64)}`;
  const GO_HUB = `index.docker.io/library/nginx@sha256:${'c'.repeat(64)}`;

  it('the scanner gets the Go tool\'s spelling, index.docker.io/…', async () => {
    const { argv } = await gate(['-vulncheck-max-cvss', '11'], [HUB]);
    assert.deepEqual(argv, [[GO_HUB]]);
  });

  it('-vulncheck-ignore-images and REGEXP=IDs match either spelling', async () => {
    for (const re of ['^index\\.docker\\.io/library/nginx@', '^docker\\.io/library/nginx@']) {
      const skipped = (await gate(['-vulncheck-max-cvss', '5', '-vulncheck-ignore-images', re], [HUB])).verdict;
      assert.equal(skipped.images[0]?.skipped, true, re);
      const ignored = (await gate(['-vulncheck-max-cvss', '5', '-vulncheck-ignore-cve-list', `${re}=CVE-2019-18224,CVE-2019-18276`], [HUB])).verdict;
      assert.deepEqual(ids(ignored.images[0]!.ignored), ['CVE-2019-18224', 'CVE-2019-18276'], re);
    }
  });
});

describe('flag validation (usage errors name the flag)', () => {
  const cases: Array<[string[], RegExp]> = [
    [['-vulncheck-ignore-images', '(unclosed'], /-vulncheck-ignore-images/],
    [['-vulncheck-ignore-cve-list', '[bad=CVE-1'], /-vulncheck-ignore-cve-list/],
    [['-vulncheck-ignore-cve-list', 'app=CVE-1,CVE 2'], /-vulncheck-ignore-cve-list: "CVE 2" in "app=CVE-1,CVE 2" is not a vulnerability ID/],
    [['-vulncheck-format', 'sarif'], /-vulncheck-format.*trivy-json or grype-json/],
    [['-vulncheck-method', 'snyk'], /-vulncheck-method.*trivy, exec or grafeas/],
    [['-vulncheck-command', 'grype "unterminated'], /-vulncheck-command: unterminated double quote/],
    [['-trivy-command', ''], /-trivy-command: empty command/],
    [['-vulncheck-max-cvss', '-1'], /-vulncheck-max-cvss/],
    [['-vulncheck-unscored-cvss', '12'], /-vulncheck-unscored-cvss/],
    [['-vulncheck-workers', '0'], /-vulncheck-workers/],
    [['-vulncheck-timeout', '0s'], /-vulncheck-timeout/],
    [['-vulncheck-method', 'grafeas', '-vulncheck-max-cvss', '7'], /-grafeas-parent is required/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), () => {
      assert.throws(() => configFromArgs(args), (err: Error) => err instanceof UsageError && message.test(err.message));
    });
  }

  it('the command is split like a shell would, and -vulncheck-command wins over -trivy-command', () => {
    const config = configFromArgs(['-trivy-command', 'trivy image', '-vulncheck-command', `grype --by-cve -o 'json' "a b" c\\ d`]);
    assert.deepEqual(config.command, ['grype', '--by-cve', '-o', 'json', 'a b', 'c d']);
    assert.deepEqual(configFromArgs([]).command, ['trivy', 'image', '-f', 'json']);
    assert.equal(configFromArgs(['-vulncheck-report-output', 'out.json']).reportOutput, 'out.json');
  });
});

describe('what the user sees', () => {
  it('the stderr report groups rejected CVEs by ID across images, by score, with description, package, fix and images', async () => {
    const { verdict } = await gate(['-vulncheck-max-cvss', '5', '-vulncheck-ignore-cve-list', 'CVE-2000-0001'], [DB, APP]);
    const report = formatVulncheckReport(verdict);
    assert.equal(report, [
      'vulnerability check failed for 2 images (limit: CVSS 5):',
      '  2 vulnerabilities above 5:',
      '    9.8   CVE-2019-18224  libidn2-0 2.0.5-1 (fixed in 2.0.5-1+deb10u1)',
      `          ${BUSTER_DESCRIPTIONS['CVE-2019-18224']}`,
      `          in ${APP}, ${DB}`,
      '    7.8   CVE-2019-18276  bash 5.0-4 (no fix known)',
      `          ${BUSTER_DESCRIPTIONS['CVE-2019-18276']}`,
      `          in ${APP}, ${DB}`,
      'ignore entries that matched nothing (prune them): CVE-2000-0001',
      '',
    ].join('\n'));
    assert.deepEqual(verdict.rejections.map((r) => [r.id, r.score, r.images, r.description]), [
      ['CVE-2019-18224', 9.8, [APP, DB], BUSTER_DESCRIPTIONS['CVE-2019-18224']],
      ['CVE-2019-18276', 7.8, [APP, DB], BUSTER_DESCRIPTIONS['CVE-2019-18276']],
    ]);
  });

  it('the mappings vulncheckResult is Go\'s: Ignored/Accepted/Rejected {ID, CVSS, Risk, Desc[, Reason]}, sorted by ID', async () => {
    const { verdict } = await gate(['-vulncheck-max-cvss', '8', '-vulncheck-ignore-cve-list', 'CVE-2019-18224']);
    assert.deepEqual(mappingVulncheckResult(verdict.images[0]!, verdict), {
      Ignored: [{ ID: 'CVE-2019-18224', CVSS: 9.8, Risk: 0, Desc: BUSTER_DESCRIPTIONS['CVE-2019-18224'] }],
      Accepted: [{ ID: 'CVE-2019-18276', CVSS: 7.8, Risk: 0, Desc: BUSTER_DESCRIPTIONS['CVE-2019-18276'] }],
      Rejected: null,
    });
    const rejecting = (await gate(['-vulncheck-max-cvss', '7'])).verdict;
    assert.deepEqual(mappingVulncheckResult(rejecting.images[0]!, rejecting).Rejected?.map((r) => [r.ID, r.Reason]), [
      ['CVE-2019-18224', 'CVSS 9.8 is above the limit 7'],
      ['CVE-2019-18276', 'CVSS 7.8 is above the limit 7'],
    ]);
  });

  it('-vulncheck-report-output is the whole verdict as JSON, written atomically', async () => {
    const { verdict } = await gate(['-vulncheck-max-cvss', '8']);
    const dir = await tempDir();
    const file = join(dir, 'report.json');
    await writeVulncheckReport(file, verdict);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), verdict);
    assert.deepEqual(await readdir(dir), ['report.json'], 'no temporary file is left behind');
    await assert.rejects(writeVulncheckReport(join(dir, 'missing', 'r.json'), verdict), /could not write .*missing\/r.json/);
  });
});
