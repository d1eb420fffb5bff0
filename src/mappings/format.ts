/**
 * The mappings JSON of the Go reimage: an object keyed by each image exactly as written in the
 * manifests, whose values give the final reference and the image digest:
 *
 *   {"nginx:1.27":{"tag":"registry.example.com/imported/index.docker.io/library/nginx:4f…","digest":"sha256:4f…"}}
 *
 * Writing produces that format (plus `ignoredCVEs`/`foundCVEs` when a vulnerability check ran, and
 * `signatures`/`referrers`/`signatureKey` when signatures were checked or referrers copied),
 * byte-compatible with Go's json.Marshal: keys sorted, no spaces, <>& escaped. Reading accepts
 * every format the Go tool has written: CVE lists as IDs or as {ID,CVSS,Risk,Desc} objects, and
 * the newer `vulncheckResult` with Ignored/Accepted/Rejected.
 */
import { ReimageError } from '../errors.js';
import { InvalidReferenceError, isDigest, parseReference } from '../reference/reference.js';

export interface MappingEntry {
  /** The final image reference, as written to the manifests (tag form). */
  readonly tag: string;
  /** The image digest, "sha256:…". */
  readonly digest: string;
  /** IDs of vulnerabilities found but explicitly ignored. */
  readonly ignoredCVEs?: readonly string[];
  /** IDs of vulnerabilities found and accepted (or, when read from a newer file, rejected). */
  readonly foundCVEs?: readonly string[];
  /** (new) Digests of the cosign `.sig` manifests at the target (image, then platform manifests). */
  readonly signatures?: readonly string[];
  /** (new) Digests of the other referrers at the target: attestations, SBOMs, OCI referrers. */
  readonly referrers?: readonly string[];
  /** (new) The -verify-signature-key file that verified the image's signature. */
  readonly signatureKey?: string;
}

/** Mappings keyed by the image as written in the manifests. */
export type Mappings = ReadonlyMap<string, MappingEntry>;

export class InvalidMappingsError extends ReimageError {}

/** Go's json.Marshal escapes these for safe embedding in HTML; so do we, to produce the same bytes. */
const goEscape = (json: string) =>
  json.replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');

export function serializeMappings(mappings: Mappings): string {
  const ordered: Record<string, MappingEntry> = {};
  for (const key of [...mappings.keys()].sort(compareBytes)) {
    const e = mappings.get(key) as MappingEntry;
    ordered[key] = {
      tag: e.tag,
      digest: e.digest,
      ...(e.ignoredCVEs?.length && { ignoredCVEs: e.ignoredCVEs }),
      ...(e.foundCVEs?.length && { foundCVEs: e.foundCVEs }),
      ...(e.signatures?.length && { signatures: e.signatures }),
      ...(e.referrers?.length && { referrers: e.referrers }),
      ...(e.signatureKey !== undefined && { signatureKey: e.signatureKey }),
    };
  }
  return goEscape(JSON.stringify(ordered));
}

/** Go sorts map keys by bytes, which is UTF-16 order for everything an image name contains. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: Json | undefined): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses mappings JSON; `source` names the file or image in errors. */
export function parseMappings(text: string, source: string): Map<string, MappingEntry> {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new InvalidMappingsError(`mappings ${source} are not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new InvalidMappingsError(`mappings ${source} must be a JSON object keyed by image`);
  const result = new Map<string, MappingEntry>();
  for (const [key, value] of Object.entries(doc)) {
    const bad = (why: string) => new InvalidMappingsError(`mappings ${source}: entry ${JSON.stringify(key)}: ${why}`);
    checkReference(key, bad);
    if (!isObject(value)) throw bad('value must be an object with "tag" and "digest"');
    const { tag, digest } = value;
    if (typeof tag !== 'string') throw bad('"tag" must be a string');
    if (typeof digest !== 'string' || !isDigest(digest)) throw bad(`"digest" must be a digest such as "sha256:<64 hex>", got ${JSON.stringify(digest)}`);
    checkReference(tag, (why) => bad(`"tag": ${why}`));
    const ignored = cveIds(value.ignoredCVEs).concat(cveIds(isObject(value.vulncheckResult) ? value.vulncheckResult.Ignored : undefined));
    const found = cveIds(value.foundCVEs).concat(
      ...(isObject(value.vulncheckResult) ? [cveIds(value.vulncheckResult.Accepted), cveIds(value.vulncheckResult.Rejected)] : []),
    );
    const signatures = digestList(value.signatures, '"signatures"', bad);
    const referrers = digestList(value.referrers, '"referrers"', bad);
    if (value.signatureKey !== undefined && typeof value.signatureKey !== 'string') throw bad('"signatureKey" must be a string');
    result.set(key, {
      tag, digest, ...(ignored.length && { ignoredCVEs: ignored }), ...(found.length && { foundCVEs: found }),
      ...(signatures.length && { signatures }), ...(referrers.length && { referrers }),
      ...(typeof value.signatureKey === 'string' && { signatureKey: value.signatureKey }),
    });
  }
  return result;
}

/** An optional list of digests (the fields reimage adds; the Go reader ignores them). */
function digestList(list: Json | undefined, field: string, bad: (why: string) => Error): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((d): d is string => typeof d === 'string' && isDigest(d))) throw bad(`${field} must be a list of digests`);
  return list;
}

function checkReference(ref: string, bad: (why: string) => Error): void {
  try {
    parseReference(ref);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw bad(err.message);
    throw err;
  }
}

/** CVE lists were written as IDs, and later as {ID, CVSS, Risk, Desc[, Reason]} objects. */
function cveIds(list: Json | undefined): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((c) => (typeof c === 'string' ? [c] : isObject(c) && typeof c.ID === 'string' ? [c.ID] : []));
}
