/**
 * Manifest media types and the little we need to read from a manifest: its children (for an
 * index) or its blobs (for an image manifest).
 */
import { isValidDigest, quoteDigest } from './digest.js';
import { UnsupportedImageError } from './errors.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** The Accept header for manifest requests: every type we understand. */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
}

export type ParsedManifest =
  | { readonly kind: 'index'; readonly mediaType: string; readonly children: readonly Descriptor[] }
  | { readonly kind: 'image'; readonly mediaType: string; readonly config: Descriptor; readonly layers: readonly Descriptor[] };

/** Docker's original manifest format (signed or not), retired in favour of schema 2. */
const SCHEMA1_TYPES = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);
const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const IMAGE_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);

/**
 * Parses manifest bytes. The media type comes from the body when it has one, else from the
 * response's Content-Type (OCI allows omitting it), else from the body's shape.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): ParsedManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new UnsupportedImageError(`manifest of ${what} is not valid JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnsupportedImageError(`manifest of ${what} is not a JSON object`);
  }
  const doc = parsed as Record<string, unknown>;
  if (doc.schemaVersion === 1 || (typeof doc.mediaType === 'string' && SCHEMA1_TYPES.has(doc.mediaType)) || SCHEMA1_TYPES.has(contentType?.split(';')[0]?.trim() ?? '')) {
    throw new UnsupportedImageError(`${what} is a Docker schema 1 manifest, which is deprecated and cannot be copied or pinned faithfully; push the image again with a current tool (it then gets a schema 2 or OCI manifest)`);
  }
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  const mediaType = declared !== undefined && (INDEX_TYPES.has(declared) || IMAGE_TYPES.has(declared))
    ? declared
    : Array.isArray(doc.manifests) ? OCI_INDEX : doc.config !== undefined ? OCI_MANIFEST : declared ?? 'unknown';
  if (INDEX_TYPES.has(mediaType)) {
    return { kind: 'index', mediaType, children: descriptors(doc.manifests, what) };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    if (typeof doc.config !== 'object' || doc.config === null) throw new UnsupportedImageError(`manifest of ${what} has no config descriptor`);
    const [config] = descriptors([doc.config], what);
    return { kind: 'image', mediaType, config: config!, layers: descriptors(doc.layers ?? [], what) };
  }
  throw new UnsupportedImageError(`${what} has unsupported manifest type ${mediaType} (want an OCI or Docker v2 schema 2 manifest or index)`);
}

function descriptors(value: unknown, what: string): Descriptor[] {
  if (!Array.isArray(value)) throw new UnsupportedImageError(`manifest of ${what} has a malformed descriptor list`);
  return value.map((d: Record<string, unknown> | null | undefined) => {
    if (typeof d?.digest !== 'string' || typeof d.size !== 'number') {
      throw new UnsupportedImageError(`manifest of ${what} has a descriptor without digest or size`);
    }
    if (!isValidDigest(d.digest)) {
      throw new UnsupportedImageError(`manifest of ${what} has a descriptor with digest ${quoteDigest(d.digest)}, which is not a sha256 or sha512 digest`);
    }
    if (!Number.isSafeInteger(d.size) || d.size < 0) {
      throw new UnsupportedImageError(`manifest of ${what} has a descriptor of ${d.digest} with impossible size ${d.size}`);
    }
    return {
      mediaType: typeof d.mediaType === 'string' ? d.mediaType : '',
      digest: d.digest,
      size: d.size,
      ...(Array.isArray(d.urls) && { urls: d.urls as string[] }),
    };
  });
}

/**
 * Foreign (Docker) and non-distributable (OCI) layers live outside the registry by licence
 * (Windows base layers); registries refuse them, and copying tools leave them out.
 */
export function isNonDistributable(layer: Descriptor): boolean {
  return layer.mediaType.includes('.foreign.') || layer.mediaType.includes('.nondistributable.');
}
