/**
 * Manifest media types and the little we need to read from a manifest: its children (for an
 * index) or its blobs (for an image manifest).
 */
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

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const IMAGE_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);

/**
 * Parses manifest bytes. The media type comes from the body when it has one, else from the
 * response's Content-Type (OCI allows omitting it), else from the body's shape.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new UnsupportedImageError(`manifest of ${what} is not valid JSON`, { cause: err });
  }
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  const mediaType = declared !== undefined && (INDEX_TYPES.has(declared) || IMAGE_TYPES.has(declared))
    ? declared
    : Array.isArray(doc.manifests) ? OCI_INDEX : doc.config !== undefined ? OCI_MANIFEST : declared ?? 'unknown';
  if (INDEX_TYPES.has(mediaType)) {
    return { kind: 'index', mediaType, children: descriptors(doc.manifests, what) };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    const [config] = descriptors([doc.config], what);
    return { kind: 'image', mediaType, config: config!, layers: descriptors(doc.layers ?? [], what) };
  }
  throw new UnsupportedImageError(`${what} has unsupported manifest type ${mediaType} (want an OCI or Docker v2 schema 2 manifest or index)`);
}

function descriptors(value: unknown, what: string): Descriptor[] {
  if (!Array.isArray(value)) throw new UnsupportedImageError(`manifest of ${what} has a malformed descriptor list`);
  return value.map((d: Record<string, unknown> | undefined) => {
    if (typeof d?.digest !== 'string' || typeof d.size !== 'number') {
      throw new UnsupportedImageError(`manifest of ${what} has a descriptor without digest or size`);
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
