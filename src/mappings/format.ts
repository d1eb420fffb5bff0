/**
 * The mappings JSON of the Go reimage: an object keyed by each image exactly as written in the
 * manifests, whose values give the final reference, the image digest and the vulnerability result:
 *
 *   {"nginx:1.27":{"tag":"registry.example.com/imported/index.docker.io/library/nginx:4f…","digest":"sha256:4f…",
 *    "vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}
 *
 * Writing produces what Go v0.14+ writes (`vulncheckResult`, always, with null for an empty list)
 * plus the ≤ v0.12 `ignoredCVEs`/`foundCVEs` "ID:score" strings when they are not empty, so old and
 * new Go readers both read our files. The bytes match Go's json.Marshal: map keys sorted, no
 * spaces, <>& escaped. Reading accepts every format the Go tool has written: CVE lists as
 * "ID:score" strings, as bare IDs, or as {ID,CVSS,Risk,Desc} objects, and `vulncheckResult`.
 * reimage's own fields `signatures`/`referrers`/`signatureKey` (signatures checked, referrers
 * copied) come last; the Go reader ignores them.
 */
import { ReimageError } from '../errors.js';
import { shortestFloat32 } from '../float32.js';
import { goJsonEscape } from '../go-json.js';
import { InvalidReferenceError, isDigest, parseReference } from '../reference/reference.js';

/**
 * The most mappings JSON a run reads, from a file or from a mapping image's layer (decompressed):
 * mappings take about 300 bytes an image, so this is room for some 200,000 images.
 */
export const MAPPINGS_SIZE_LIMIT = 64 << 20;

/** One vulnerability of one image: Go's reimage.CVE (float32 scores in Go). */
export interface CveRecord {
  readonly ID: string;
  readonly CVSS: number;
  readonly Risk: number;
  readonly Desc: string;
}

/** Go's reimage.RejectedCVE: the CVE's fields plus why it was rejected. */
export interface RejectedCveRecord extends CveRecord {
  readonly Reason: string;
}

/** Go's reimage.VulnCheckResult; Go writes an empty list as null. */
export interface VulncheckResult {
  readonly Ignored: readonly CveRecord[] | null;
  readonly Accepted: readonly CveRecord[] | null;
  readonly Rejected: readonly RejectedCveRecord[] | null;
}

export interface MappingEntry {
  /** The final image reference, as written to the manifests (tag form). */
  readonly tag: string;
  /** The image digest, "sha256:…". */
  readonly digest: string;
  /** The vulnerability check's result for the image; absent when none was recorded. */
  readonly vulncheckResult?: VulncheckResult;
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

export const EMPTY_VULNCHECK_RESULT: VulncheckResult = { Ignored: null, Accepted: null, Rejected: null };

/** The ≤ v0.12 strings: "ID:score", the score printed like Go's %f. */
const oldStrings = (list: readonly CveRecord[] | null) => (list ?? []).map((c) => `${c.ID}:${c.CVSS.toFixed(6)}`);

export function serializeMappings(mappings: Mappings): string {
  const ordered: Record<string, unknown> = {};
  for (const key of [...mappings.keys()].sort(compareBytes)) {
    const e = mappings.get(key) as MappingEntry;
    const result = e.vulncheckResult ?? EMPTY_VULNCHECK_RESULT;
    const ignoredCVEs = oldStrings(result.Ignored);
    const foundCVEs = oldStrings(result.Accepted);
    ordered[key] = {
      tag: e.tag,
      digest: e.digest,
      ...(ignoredCVEs.length > 0 && { ignoredCVEs }),
      ...(foundCVEs.length > 0 && { foundCVEs }),
      vulncheckResult: {
        Ignored: goList(result.Ignored, cveFields),
        Accepted: goList(result.Accepted, cveFields),
        Rejected: goList(result.Rejected, (c) => ({ ...cveFields(c), Reason: c.Reason })),
      },
      ...(e.signatures?.length && { signatures: e.signatures }),
      ...(e.referrers?.length && { referrers: e.referrers }),
      ...(e.signatureKey !== undefined && { signatureKey: e.signatureKey }),
    };
  }
  return goJsonEscape(JSON.stringify(ordered));
}

/** Fields in the Go struct's order, which is the order json.Marshal writes them. */
// Go's scores are float32, which json.Marshal writes with the fewest digits that read back the same.
const cveFields = (c: CveRecord): CveRecord => ({ ID: c.ID, CVSS: shortestFloat32(c.CVSS), Risk: shortestFloat32(c.Risk), Desc: c.Desc });

const goList = <T, U>(list: readonly T[] | null, map: (t: T) => U): U[] | null => (list && list.length > 0 ? list.map(map) : null);

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
    const vulncheckResult = readVulncheckResult(value, bad);
    const signatures = digestList(value.signatures, '"signatures"', bad);
    const referrers = digestList(value.referrers, '"referrers"', bad);
    if (value.signatureKey !== undefined && typeof value.signatureKey !== 'string') throw bad('"signatureKey" must be a string');
    result.set(key, {
      tag, digest, ...(vulncheckResult && { vulncheckResult }),
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

/**
 * The entry's vulnerability result: `vulncheckResult` when present (v0.14+), else one built from
 * the older `ignoredCVEs`/`foundCVEs` lists. Undefined when the entry has neither.
 */
function readVulncheckResult(value: { [k: string]: Json }, bad: (why: string) => Error): VulncheckResult | undefined {
  const v = value.vulncheckResult;
  if (v !== undefined && v !== null) {
    if (!isObject(v)) throw bad('"vulncheckResult" must be an object with Ignored, Accepted and Rejected');
    return {
      Ignored: cveList(v.Ignored, 'vulncheckResult.Ignored', bad),
      Accepted: cveList(v.Accepted, 'vulncheckResult.Accepted', bad),
      Rejected: cveList(v.Rejected, 'vulncheckResult.Rejected', bad)?.map((c, i) => {
        const reason = (v.Rejected as Json[])[i];
        return { ...c, Reason: isObject(reason) && typeof reason.Reason === 'string' ? reason.Reason : '' };
      }) ?? null,
    };
  }
  if (value.ignoredCVEs === undefined && value.foundCVEs === undefined) return undefined;
  return {
    Ignored: cveList(value.ignoredCVEs, 'ignoredCVEs', bad),
    Accepted: cveList(value.foundCVEs, 'foundCVEs', bad),
    Rejected: null,
  };
}

/** A CVE list as Go wrote it: null, or "ID:score" strings (≤ v0.12), or {ID, CVSS, Risk, Desc} objects. */
function cveList(list: Json | undefined, field: string, bad: (why: string) => Error): CveRecord[] | null {
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list)) throw bad(`"${field}" must be a list`);
  const records = list.map((c, i): CveRecord => {
    if (typeof c === 'string') {
      const colon = c.lastIndexOf(':');
      const score = colon < 0 ? NaN : Number(c.slice(colon + 1));
      return Number.isFinite(score) && c.slice(colon + 1).trim() !== ''
        ? { ID: c.slice(0, colon), CVSS: score, Risk: 0, Desc: '' }
        : { ID: c, CVSS: 0, Risk: 0, Desc: '' };
    }
    if (!isObject(c) || typeof c.ID !== 'string') throw bad(`"${field}"[${i}] must be a string or an object with an "ID"`);
    const num = (k: string) => {
      const n = (c as { [k: string]: Json })[k];
      if (n !== undefined && n !== null && typeof n !== 'number') throw bad(`"${field}"[${i}].${k} must be a number`);
      return typeof n === 'number' ? n : 0;
    };
    const desc = c.Desc;
    if (desc !== undefined && desc !== null && typeof desc !== 'string') throw bad(`"${field}"[${i}].Desc must be a string`);
    return { ID: c.ID, CVSS: num('CVSS'), Risk: num('Risk'), Desc: desc ?? '' };
  });
  return records.length > 0 ? records : null;
}
