/**
 * Reads `trivy image -f json` output (SchemaVersion 2; the pre-0.20 bare array of results is
 * accepted too). Score per entry: for each CVSS source, V3Score, or V2Score when V3 is 0 or
 * missing (V40Score when both are); the maximum over sources. Description: `Description`, else `Title`.
 */
import { asArray, asObject, asScore, asString, maxScore } from './json-shape.js';
import type { Finding } from './types.js';

export function parseTrivyReport(doc: unknown): Finding[] {
  const report = asObject(doc);
  if (!Array.isArray(doc) && !(report && ('SchemaVersion' in report || 'Results' in report || 'ArtifactName' in report))) {
    throw new Error('output is not a trivy JSON report (no SchemaVersion or Results); check -vulncheck-format');
  }
  const results = Array.isArray(doc) ? doc : asArray(report?.Results);
  return results.flatMap((result) =>
    asArray(asObject(result)?.Vulnerabilities).flatMap((entry): Finding[] => {
      const v = asObject(entry);
      const id = asString(v?.VulnerabilityID);
      if (!v || !id) return [];
      const name = asString(v.PkgName) ?? asString(v.PkgID);
      const version = asString(v.InstalledVersion);
      const fixedVersion = asString(v.FixedVersion);
      const description = asString(v.Description) ?? asString(v.Title);
      return [{
        id,
        ...(description && { description }),
        score: maxScore(Object.values(asObject(v.CVSS) ?? {}).map(sourceScore)),
        ...(name && { package: { name, ...(version && { version }), ...(fixedVersion && { fixedVersion }) } }),
      }];
    }),
  );
}

function sourceScore(value: unknown): number | undefined {
  const cvss = asObject(value);
  return asScore(cvss?.V3Score) ?? asScore(cvss?.V2Score) ?? asScore(cvss?.V40Score);
}
