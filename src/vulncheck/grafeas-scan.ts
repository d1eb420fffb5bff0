/**
 * Vulnerabilities of one image from Container Analysis (Grafeas v1): wait for the image's
 * DISCOVERY occurrence to reach FINISHED_SUCCESS, polling with exponential backoff bounded by
 * the per-image timeout and -vulncheck-max-retries, then read its VULNERABILITY occurrences.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ReimageError } from '../errors.js';
import type { GrafeasClient, Occurrence } from '../gcp/grafeas.js';
import type { Logger } from '../log.js';
import { asArray, asObject, asScore, asString } from './json-shape.js';
import type { Finding } from './types.js';

/** Longest single wait between polls; the timeout bounds the total. */
const MAX_POLL_DELAY_MS = 30_000;

export interface GrafeasScanOptions {
  parent: string;
  timeoutMs: number;
  maxRetries: number;
  /** First wait between polls; it doubles after each one. */
  initialDelayMs: number;
  logger: Logger;
  signal?: AbortSignal;
}

class GrafeasScanError extends ReimageError {}

type Discovery = { status: 'done'; unsupported: boolean } | { status: 'pending'; detail: string };

export async function grafeasFindings(client: GrafeasClient, image: string, opts: GrafeasScanOptions): Promise<Finding[]> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const resourceUrl = `https://${image}`;
  let last = 'no DISCOVERY occurrence yet';
  try {
    for (let attempt = 0, delay = opts.initialDelayMs; ; attempt++, delay = Math.min(delay * 2, MAX_POLL_DELAY_MS)) {
      const discovery = await readDiscovery(client, opts.parent, resourceUrl, signal);
      if (discovery.status === 'done') {
        if (discovery.unsupported) return [];
        break;
      }
      last = discovery.detail;
      if (attempt >= opts.maxRetries) {
        throw new GrafeasScanError(`Grafeas scan not finished after ${attempt + 1} attempts (${last})`);
      }
      opts.logger.debug(`vulncheck: ${image}: ${last}; polling Grafeas again in ${delay}ms`);
      await sleep(delay, undefined, { signal });
    }
    const occurrences = await client.listOccurrences(
      opts.parent, `kind="VULNERABILITY" AND resourceUrl="${resourceUrl}"`, signal,
    );
    return occurrences.filter((o) => o.kind === 'VULNERABILITY').flatMap(vulnerabilityFindings);
  } catch (err) {
    if (deadline.aborted && !opts.signal?.aborted) {
      throw new GrafeasScanError(`timed out after ${opts.timeoutMs / 1000}s waiting for the Grafeas scan (${last})`);
    }
    throw err;
  }
}

async function readDiscovery(client: GrafeasClient, parent: string, resourceUrl: string, signal: AbortSignal): Promise<Discovery> {
  const occurrences = await client.listOccurrences(parent, `kind="DISCOVERY" AND resourceUrl="${resourceUrl}"`, signal);
  const discovery = occurrences.find((o) => o.kind === 'DISCOVERY')?.discovery;
  if (!discovery) return { status: 'pending', detail: 'no DISCOVERY occurrence yet' };
  const status = discovery.analysisStatus ?? 'ANALYSIS_STATUS_UNSPECIFIED';
  switch (status) {
    case 'FINISHED_SUCCESS':
    case 'COMPLETE':
      return { status: 'done', unsupported: false };
    case 'FINISHED_UNSUPPORTED':
      return { status: 'done', unsupported: true };
    case 'FINISHED_FAILED': {
      const why = discovery.analysisStatusError?.message;
      throw new GrafeasScanError(`Grafeas scan failed (analysisStatus FINISHED_FAILED${why ? `: ${why}` : ''})`);
    }
    default:
      return { status: 'pending', detail: `analysisStatus ${status}` };
  }
}

/**
 * One VULNERABILITY occurrence: ID from shortDescription, else the note's last path segment;
 * description from longDescription.
 */
function vulnerabilityFindings(occurrence: Occurrence): Finding[] {
  const v = occurrence.vulnerability;
  const id = asString(v?.shortDescription) ?? asString(occurrence.noteName)?.split('/').pop();
  if (!id) return [];
  const score = asScore(v?.cvssScore) ?? asScore(asObject(v?.cvssv3)?.baseScore);
  const description = asString(v?.longDescription);
  const common = { id, ...(score !== undefined && { score }), ...(description && { description }) };
  const issues = asArray(v?.packageIssue).map(asObject);
  const packages = issues.flatMap((issue) => {
    const name = asString(issue?.affectedPackage);
    if (!name) return [];
    const version = asString(asObject(issue?.affectedVersion)?.fullName) ?? asString(asObject(issue?.affectedVersion)?.name);
    const fixed = asObject(issue?.fixedVersion);
    // kind MAXIMUM is Grafeas's "no fix": a version greater than any other.
    const fixedVersion = fixed?.kind === 'MAXIMUM' ? undefined : asString(fixed?.fullName) ?? asString(fixed?.name);
    return [{ name, ...(version && { version }), ...(fixedVersion && { fixedVersion }) }];
  });
  if (packages.length === 0) return [common];
  return packages.map((pkg) => ({ ...common, package: pkg }));
}
