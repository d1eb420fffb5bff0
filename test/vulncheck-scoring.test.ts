/**
 * Scoring rules against this project's trivy and grype fixtures (same schemas as the published
 * reports; those are checked by vulncheck-published.test.ts): every ID's score must equal the
 * fixture's *.expected.json, through a fake scanner process and the whole gate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, readJson, scan, scores } from './vulncheck/harness.js';

const REPORTS = [
  ['trivy-json', 'scanners/trivy/alpine-shared-ids'],
  ['trivy-json', 'scanners/trivy/debian-two-cves'],
  ['trivy-json', 'scanners/trivy/debian-no-fix'],
  ['grype-json', 'scanners/grype/risk-scores'],
  ['grype-json', 'scanners/grype/ghsa-related-nvd'],
] as const;


describe('scores from the scanner fixtures', () => {
  for (const [format, name] of REPORTS) {
    it(`${name}: every ID scored as in ${name}.expected.json, each ID once`, async () => {
      const result = await scan(format, { file: fixture(`${name}.json`) });
      assert.deepEqual(scores(result), await readJson(`${name}.expected.json`));
      assert.equal(new Set(result.found.map((v) => v.id)).size, result.found.length);
    });
  }

  it('trivy: an ID found in several packages counts once, listing every package with its fix', async () => {
    const result = await scan('trivy-json', { file: fixture('scanners/trivy/alpine-shared-ids.json') });
    const v = result.found.find((x) => x.id === 'CVE-2019-1549');
    assert.deepEqual(v?.packages.map((p) => p.name).sort(), ['libcrypto1.1', 'libssl1.1']);
    assert.ok(v?.packages.every((p) => p.version && p.fixedVersion));
  });

  it('grype: package and fix versions come from the match', async () => {
    const result = await scan('grype-json', { file: fixture('scanners/grype/risk-scores.json') });
    assert.deepEqual(result.found.find((v) => v.id === 'CVE-1999-0001')?.packages, [
      { name: 'package-1', version: '1.1.1', fixedVersion: '1.2.1, 2.1.3, 3.4.0' },
    ]);
  });
});

describe('scoring rules on edited reports', () => {
  it('trivy: V2Score is used when V3Score is 0 or missing; the max is over sources', async () => {
    const json = {
      SchemaVersion: 2,
      Results: [{ Vulnerabilities: [
        { VulnerabilityID: 'CVE-V3-ZERO', CVSS: { nvd: { V3Score: 0, V2Score: 6.4 } } },
        { VulnerabilityID: 'CVE-V2-ONLY', CVSS: { nvd: { V2Score: 4.3 } } },
        { VulnerabilityID: 'CVE-SOURCES', CVSS: { nvd: { V3Score: 5.3, V2Score: 9.0 }, redhat: { V3Score: 4.8 }, ghsa: { V2Score: 6.1 } } },
        { VulnerabilityID: 'CVE-SOURCES', PkgName: 'second', CVSS: { redhat: { V3Score: 5.9 } } },
      ] }],
    };
    assert.deepEqual(scores(await scan('trivy-json', { json })), { 'CVE-V3-ZERO': 6.4, 'CVE-V2-ONLY': 4.3, 'CVE-SOURCES': 6.1 });
  });

  it('grype: relatedVulnerabilities count (a distro match has no CVSS of its own)', async () => {
    const json = (await readJson('scanners/grype/ghsa-related-nvd.json')) as {
      matches: Array<{ vulnerability: { cvss: unknown[] }; relatedVulnerabilities: Array<{ cvss: Array<{ metrics: { baseScore: number } }> }> }>;
    };
    const match = json.matches[0]!;
    match.vulnerability.cvss = [];
    match.relatedVulnerabilities[0]!.cvss[0]!.metrics.baseScore = 8.1;
    assert.deepEqual(scores(await scan('grype-json', { json })), { 'GHSA-4374-p667-p6c8': 8.1 });
  });

  it('unscored vulnerabilities get -vulncheck-unscored-cvss (0 by default) and are marked', async () => {
    const json = { SchemaVersion: 2, Results: [{ Vulnerabilities: [
      { VulnerabilityID: 'CVE-NO-CVSS' }, { VulnerabilityID: 'CVE-EMPTY', CVSS: {} }, { VulnerabilityID: 'CVE-SCORED', CVSS: { nvd: { V3Score: 3.1 } } },
    ] }] };
    const byDefault = await scan('trivy-json', { json });
    assert.deepEqual(scores(byDefault), { 'CVE-NO-CVSS': 0, 'CVE-EMPTY': 0, 'CVE-SCORED': 3.1 });
    assert.equal(byDefault.found.find((v) => v.id === 'CVE-EMPTY')?.unscored, true);
    assert.equal(byDefault.found.find((v) => v.id === 'CVE-SCORED')?.unscored, undefined);
    const grype = { matches: [{ vulnerability: { id: 'GHSA-none', cvss: [] }, relatedVulnerabilities: [] }] };
    assert.deepEqual(scores(await scan('grype-json', { json: grype }, ['-vulncheck-unscored-cvss', '5'])), { 'GHSA-none': 5 });
  });

  it('a report with no vulnerabilities at all passes with none found', async () => {
    const result = await scan('trivy-json', { json: { SchemaVersion: 2, ArtifactName: 'x', Results: [{ Target: 'x', Class: 'os-pkgs' }] } });
    assert.deepEqual(result.found, []);
  });
});
