/**
 * Reads `grype -o json` output. Score per match: the maximum cvss[].metrics.baseScore over the
 * matched vulnerability and its relatedVulnerabilities (a distro match has no CVSS of its own;
 * the NVD record it relates to has). Risk: the match's vulnerability.risk (0 to 100, from severity,
 * EPSS and KEV), which grype writes as 0 when it has not assessed one.
 */
import { asArray, asObject, asScore, asString, maxScore } from './json-shape.js';
import type { Finding } from './types.js';

export function parseGrypeReport(doc: unknown): Finding[] {
  const report = asObject(doc);
  if (!report || !Array.isArray(report.matches)) {
    throw new Error('output is not a grype JSON report (no "matches" array); check -vulncheck-format');
  }
  return report.matches.flatMap((entry): Finding[] => {
    const match = asObject(entry);
    const vuln = asObject(match?.vulnerability);
    const id = asString(vuln?.id);
    if (!match || !id) return [];
    const records = [vuln, ...asArray(match.relatedVulnerabilities)];
    const scores = records.flatMap((r) => asArray(asObject(r)?.cvss)).map((c) => asScore(asObject(asObject(c)?.metrics)?.baseScore));
    const artifact = asObject(match.artifact);
    const name = asString(artifact?.name);
    const version = asString(artifact?.version);
    const fix = asObject(vuln?.fix);
    const fixedVersion = asArray(fix?.versions).filter((s) => typeof s === 'string' && s !== '').join(', ');
    const risk = asScore(vuln?.risk);
    // A distro match often has no description of its own; the NVD record it relates to has.
    const description = records.map((r) => asString(asObject(r)?.description)).find((d) => d);
    return [{
      id,
      ...(description && { description }),
      score: maxScore(scores),
      ...(risk !== undefined && { risk }),
      ...(name && { package: { name, ...(version && { version }), ...(fixedVersion && { fixedVersion }) } }),
    }];
  });
}
