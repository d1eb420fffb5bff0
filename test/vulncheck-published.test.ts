/**
 * Real published scanner reports (trivy and grype goldens and a grype report kept by DefectDojo,
 * with provenance in ../shared/fixtures/SOURCES.md), read at test time from ../shared/fixtures/:
 * every ID must get the score in the report's *.expected.json (null: unscored), each ID once,
 * through a fake scanner process and the whole gate. Skipped, saying so, without that directory.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';
import { scan } from './vulncheck/harness.js';

const FORMATS = { trivy: 'trivy-json', grype: 'grype-json' } as const;

for (const [dir, format] of Object.entries(FORMATS)) {
  const skip = needsShared(`scanners/${dir}`);
  const reports = skip ? [] : readdirSync(sharedFixture(`scanners/${dir}`)).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json')).sort();
  describe(`published ${dir} reports`, () => {
    it('are there to check', { skip }, () => {
      assert.ok(reports.length > 0);
      for (const r of reports) assert.ok(existsSync(sharedFixture(`scanners/${dir}/${r.replace(/\.json$/, '.expected.json')}`)), `${r} has an expected file`);
    });
    for (const report of reports) {
      it(`${report}: every ID scored as its .expected.json says, each ID once`, async () => {
        const expected = JSON.parse(readFileSync(sharedFixture(`scanners/${dir}/${report.replace(/\.json$/, '.expected.json')}`), 'utf8')) as Record<string, number | null>;
        const result = await scan(format, { file: sharedFixture(`scanners/${dir}/${report}`) });
        const got = Object.fromEntries(result.found.map((v) => [v.id, v.unscored ? null : v.score]));
        assert.deepEqual(got, expected);
        assert.equal(new Set(result.found.map((v) => v.id)).size, result.found.length);
      });
    }
  });
}
