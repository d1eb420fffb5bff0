/**
 * What the gate tells the user: the stderr failure report, the -vulncheck-report-output JSON and
 * the CVE fields of the mappings file (the Go tool's ignoredCVEs/foundCVEs "ID:score" strings).
 */
import { writeFileAtomic } from '../atomic-file.js';
import type { ImageVerdict, ScanFailure, Vulnerability, VulncheckVerdict } from './types.js';

/** The failure report for stderr: rejected vulnerabilities and scan errors per image, unused ignores. */
export function formatVulncheckReport(verdict: VulncheckVerdict): string {
  const lines: string[] = [];
  const failing = verdict.images.filter((r) => r.error || r.rejected.length > 0);
  const limits = [...(verdict.maxCvss > 0 ? [`CVSS ${verdict.maxCvss}`] : []), ...(verdict.maxRisk > 0 ? [`risk ${verdict.maxRisk}`] : [])];
  if (failing.length > 0) {
    lines.push(`vulnerability check failed for ${failing.length} image${failing.length === 1 ? '' : 's'} (limit${limits.length > 1 ? 's' : ''}: ${limits.join(', ')}):`);
  }
  for (const r of failing) {
    const image = r.scannedAs ? `${r.image} (scanned at ${r.scannedAs}: not copied yet)` : r.image;
    if (r.error) {
      lines.push(`  ${image}: cannot check: ${r.error.message}`, ...failureDetails(r.error));
      continue;
    }
    const above = verdict.maxRisk > 0 ? limits.join(' or ') : `${verdict.maxCvss}`;
    lines.push(`  ${image}: ${r.rejected.length} vulnerabilit${r.rejected.length === 1 ? 'y' : 'ies'} above ${above}:`);
    for (const v of r.rejected) lines.push(`    ${formatVulnerability(v, verdict.maxRisk > 0)}`);
  }
  if (verdict.unusedIgnores.length > 0) {
    lines.push(`ignore entries that matched nothing (prune them): ${verdict.unusedIgnores.join(', ')}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** One rejected vulnerability; with a risk limit on, also which limit(s) it is above. */
function formatVulnerability(v: Vulnerability, sayWhy: boolean): string {
  const score = `${v.score.toFixed(1)}${v.unscored ? ' (unscored)' : ''}`;
  const risk = v.risk !== undefined ? `  risk ${v.risk.toFixed(1)}` : '';
  const why = sayWhy && v.above ? `  (rejected by ${v.above.join(' and ')})` : '';
  const packages = v.packages.map((p) =>
    `${p.name}${p.version ? ` ${p.version}` : ''} (${p.fixedVersion ? `fixed in ${p.fixedVersion}` : 'no fix known'})`,
  );
  return `${score.padEnd(4)}  ${v.id}${risk}${why}${packages.length > 0 ? `  ${packages.join(', ')}` : ''}`;
}

function failureDetails(f: ScanFailure): string[] {
  const out: string[] = [];
  if (f.command) out.push(`      command: ${f.command.map(shellQuote).join(' ')}`);
  if (f.command && (f.exitCode !== undefined || f.signal)) {
    out.push(`      exit code: ${f.exitCode ?? 'none'}${f.signal ? ` (signal ${f.signal})` : ''}`);
  }
  const stderr = f.stderr?.trimEnd();
  if (stderr) {
    out.push('      stderr:');
    for (const line of stderr.split('\n')) out.push(`        | ${line}`); // no spread: stderr may have 100k+ lines
  }
  return out;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Writes the verdict as JSON, atomically. */
export async function writeVulncheckReport(file: string, verdict: VulncheckVerdict): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(verdict, null, 2)}\n`);
}

/**
 * The CVE fields of one image's mappings entry, as the Go reimage writes them: ignoredCVEs are the
 * vulnerabilities above the limit that an ignore entry let through, foundCVEs those within the
 * limit, each "ID:score" with the score printed like Go's %f. Empty lists are omitted.
 */
export function mappingCveFields(result: ImageVerdict): { ignoredCVEs?: string[]; foundCVEs?: string[] } {
  const strings = (vulns: readonly Vulnerability[]) => vulns.map((v) => `${v.id}:${v.score.toFixed(6)}`);
  return {
    ...(result.ignored.length > 0 && { ignoredCVEs: strings(result.ignored) }),
    ...(result.found.length > 0 && { foundCVEs: strings(result.found) }),
  };
}
