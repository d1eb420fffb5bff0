/**
 * What the gate tells the user: the stderr failure report, the -vulncheck-report-output JSON and
 * the vulnerability result of each mappings entry (Go's vulncheckResult).
 */
import { writeFileAtomic } from '../atomic-file.js';
import type { CveRecord, VulncheckResult } from '../mappings/format.js';
import type { ImageVerdict, ScanFailure, Vulnerability, VulncheckVerdict } from './types.js';

/**
 * The failure report for stderr: rejected vulnerabilities grouped by ID across images, as the Go
 * tool logs them, each with its description and images; then images that could not be checked,
 * and unused ignores.
 */
export function formatVulncheckReport(verdict: VulncheckVerdict): string {
  const lines: string[] = [];
  const errors = verdict.images.filter((r) => r.error);
  const rejectedImages = new Set(verdict.rejections.flatMap((r) => r.images));
  const limits = [...(verdict.maxCvss > 0 ? [`CVSS ${verdict.maxCvss}`] : []), ...(verdict.maxRisk > 0 ? [`risk ${verdict.maxRisk}`] : [])];
  const failing = new Set([...rejectedImages, ...errors.map((r) => r.image)]).size;
  if (failing > 0) {
    lines.push(`vulnerability check failed for ${plural(failing, 'image')} (limit${limits.length > 1 ? 's' : ''}: ${limits.join(', ')}):`);
  }
  if (verdict.rejections.length > 0) {
    lines.push(`  ${plural(verdict.rejections.length, 'vulnerability', 'vulnerabilities')} above ${verdict.maxRisk > 0 ? limits.join(' or ') : verdict.maxCvss}:`);
  }
  const scannedAs = new Map(verdict.images.map((r) => [r.image, r.scannedAs]));
  const describeImage = (image: string) => {
    const source = scannedAs.get(image);
    return source ? `${image} (scanned at ${source}: not copied yet)` : image;
  };
  for (const r of verdict.rejections) {
    lines.push(`    ${formatVulnerability(r, verdict.maxRisk > 0)}`);
    if (r.description) lines.push(`          ${oneLine(r.description)}`);
    lines.push(`          in ${r.images.map(describeImage).join(', ')}`);
  }
  for (const r of errors) {
    lines.push(`  ${describeImage(r.image)}: cannot check: ${r.error?.message ?? ''}`, ...(r.error ? failureDetails(r.error) : []));
  }
  if (verdict.unusedIgnores.length > 0) {
    lines.push(`ignore entries that matched nothing (prune them): ${verdict.unusedIgnores.join(', ')}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const DESCRIPTION_CHARS = 300;

/** A description on one line, cut at DESCRIPTION_CHARS (the JSON report has it whole). */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > DESCRIPTION_CHARS ? `${flat.slice(0, DESCRIPTION_CHARS - 1)}…` : flat;
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
  if (stderr) out.push('      stderr:', ...stderr.split('\n').map((l) => `        | ${l}`));
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
 * One image's vulnerability result as the Go reimage records it in the mappings (and gives its
 * report template): each list sorted by ID, as Go's scanners de-duplicate and sort them.
 */
export function mappingVulncheckResult(result: ImageVerdict, limits: { maxCvss: number; maxRisk: number }): VulncheckResult {
  const byId = (a: Vulnerability, b: Vulnerability) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const records = (vulns: readonly Vulnerability[]) => (vulns.length > 0 ? [...vulns].sort(byId).map(cveRecord) : null);
  return {
    Ignored: records(result.ignored),
    Accepted: records(result.found),
    Rejected: result.rejected.length > 0
      ? [...result.rejected].sort(byId).map((v) => ({ ...cveRecord(v), Reason: rejectionReason(v, limits) }))
      : null,
  };
}

const cveRecord = (v: Vulnerability): CveRecord => ({ ID: v.id, CVSS: v.score, Risk: v.risk ?? 0, Desc: v.description ?? '' });

/** Which limit(s) a rejected vulnerability is above, e.g. "CVSS 9.8 is above the limit 7". */
function rejectionReason(v: Vulnerability, limits: { maxCvss: number; maxRisk: number }): string {
  const parts = (v.above ?? ['score']).map((which) => (which === 'score'
    ? `CVSS ${v.score} is above the limit ${limits.maxCvss}`
    : `risk ${v.risk ?? 0} is above the limit ${limits.maxRisk}`));
  return parts.join('; ');
}
