/**
 * The vulnerability gate: scans every final image in a bounded pool, merges each report's findings
 * by vulnerability ID, and sorts them into found (within the limit), ignored and rejected.
 */
import { errorMessage } from '../errors.js';
import { mapBounded } from '../map-bounded.js';
import { goName, matchesImage, parseReference } from '../reference/reference.js';
import { type VulncheckConfig, vulncheckEnabled } from './config.js';
import { findingSource } from './image-scan.js';
import { ScannerError } from './scanner-process.js';
import type { AffectedPackage, Finding, ImageVerdict, Rejection, Vulnerability, VulncheckVerdict } from './types.js';

/**
 * Checks final images (digest references, registry/repo@sha256:…). Scan failures are recorded
 * per image and fail the verdict; only an abort through `opts.signal` rejects. `opts.scanAs` maps a
 * final image that is not there yet (not copied yet, -dryrun, -no-copy) to a reference holding the same content; rules
 * (-vulncheck-ignore-images, per-image ignores) still match the final image.
 */
export async function checkImages(
  images: readonly string[],
  config: VulncheckConfig,
  opts: { signal?: AbortSignal; scanAs?: ReadonlyMap<string, string> } = {},
): Promise<VulncheckVerdict> {
  if (!vulncheckEnabled(config)) {
    return { enabled: false, maxCvss: 0, maxRisk: 0, images: [], rejections: [], unusedIgnores: [], passed: true };
  }
  const source = findingSource(config);
  const unique = [...new Set(images)];
  const results = await mapBounded(unique, config.workers, async (image): Promise<ImageVerdict> => {
    if (config.ignoreImages && matchesImage(config.ignoreImages, image)) {
      config.logger.debug(`vulncheck: ${image}: skipped (matches -vulncheck-ignore-images)`);
      return { image, skipped: true, found: [], ignored: [], rejected: [] };
    }
    const scannedAs = opts.scanAs?.get(image);
    config.logger.debug(`vulncheck: ${image}: checking${scannedAs ? ` (at ${scannedAs}: not copied yet)` : ''}`);
    try {
      // The scanner gets the Go tool's spelling (index.docker.io/… for Docker Hub), as Go passes it.
      const scanned = goName(parseReference(scannedAs ?? image));
      const verdict = classify(image, mergeFindings(await source(scanned, opts.signal), config.unscoredCvss), config);
      return { ...verdict, ...(scannedAs && { scannedAs }) };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const error = err instanceof ScannerError ? err.failure : { message: errorMessage(err) };
      return { image, ...(scannedAs && { scannedAs }), found: [], ignored: [], rejected: [], error };
    }
  });
  const used = new Set(results.flatMap((r) => r.ignored.flatMap((v) => v.ignoredBy ?? [])));
  return {
    enabled: true,
    maxCvss: config.maxCvss,
    maxRisk: config.maxRisk,
    images: results,
    rejections: groupRejections(results),
    unusedIgnores: config.ignore.labels().filter((label) => !used.has(label)),
    passed: results.every((r) => !r.error && r.rejected.length === 0),
  };
}

/** Rejected vulnerabilities by ID over all images: the highest score and risk, every package and image. */
function groupRejections(results: readonly ImageVerdict[]): Rejection[] {
  const byId = new Map<string, Rejection>();
  for (const r of results) {
    for (const v of r.rejected) {
      const seen = byId.get(v.id);
      if (!seen) {
        byId.set(v.id, { ...v, packages: [...v.packages], images: [r.image] });
        continue;
      }
      if (v.score > seen.score) Object.assign(seen, { score: v.score, unscored: v.unscored });
      if ((v.risk ?? -1) > (seen.risk ?? -1)) seen.risk = v.risk;
      if ((v.description?.length ?? 0) > (seen.description?.length ?? 0)) seen.description = v.description;
      seen.above = [...new Set([...(seen.above ?? []), ...(v.above ?? [])])];
      for (const p of v.packages) if (!seen.packages.some((q) => JSON.stringify(q) === JSON.stringify(p))) seen.packages.push(p);
      seen.images.push(r.image);
    }
  }
  const rejections = [...byId.values()];
  for (const r of rejections) {
    r.images.sort();
    if (!r.unscored) delete r.unscored;
  }
  return rejections.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One entry per ID: the highest score and risk over its findings, and every package it was found in. */
function mergeFindings(findings: readonly Finding[], unscoredCvss: number): Vulnerability[] {
  const byId = new Map<string, { score?: number; risk?: number; description?: string; packages: AffectedPackage[] }>();
  for (const f of findings) {
    const entry = byId.get(f.id) ?? { packages: [] };
    if (f.score !== undefined && (entry.score === undefined || f.score > entry.score)) entry.score = f.score;
    if (f.risk !== undefined && (entry.risk === undefined || f.risk > entry.risk)) entry.risk = f.risk;
    // As Go's scanners: the longest description of an ID's findings.
    if (f.description && f.description.length > (entry.description?.length ?? 0)) entry.description = f.description;
    if (f.package && !entry.packages.some((p) => JSON.stringify(p) === JSON.stringify(f.package))) entry.packages.push(f.package);
    byId.set(f.id, entry);
  }
  return [...byId].map(([id, e]) => ({
    id,
    ...(e.score === undefined ? { score: unscoredCvss, unscored: true as const } : { score: e.score }),
    ...(e.risk !== undefined && { risk: e.risk }),
    ...(e.description && { description: e.description }),
    packages: e.packages,
  }));
}

function classify(image: string, vulns: readonly Vulnerability[], config: VulncheckConfig): ImageVerdict {
  const verdict: ImageVerdict = { image, found: [], ignored: [], rejected: [] };
  for (const v of vulns) {
    // As the Go tool: a limit of 0 is off, and a vulnerability without a risk score never exceeds one.
    const above = [
      ...(config.maxCvss > 0 && v.score > config.maxCvss ? ['score' as const] : []),
      ...(config.maxRisk > 0 && (v.risk ?? 0) > config.maxRisk ? ['risk' as const] : []),
    ];
    if (above.length === 0) {
      verdict.found.push(v);
      continue;
    }
    const ignoredBy = config.ignore.matching(image, v.id);
    if (ignoredBy.length > 0) verdict.ignored.push({ ...v, above, ignoredBy });
    else verdict.rejected.push({ ...v, above });
  }
  const byId = (a: Vulnerability, b: Vulnerability) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  verdict.found.sort(byId);
  verdict.ignored.sort(byId);
  verdict.rejected.sort((a, b) => b.score - a.score || byId(a, b));
  return verdict;
}
