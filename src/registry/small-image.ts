/**
 * Push and pull of small images held in memory: a config and a few layers of bytes. The mapping
 * image (one JSON layer) is stored this way.
 */
import { formatReference, type ImageReference } from '../reference/reference.js';
import { readBlob, uploadBlobBytes } from './blobs.js';
import { digestOf } from './digest.js';
import { RegistryError, UnsupportedImageError } from './errors.js';
import { getManifest, putManifest } from './manifests.js';
import { parseManifest } from './media-types.js';
import { pullScope, pushScope, type Repository } from './repository.js';
import type { RegistrySession } from './session.js';

export interface SmallImage {
  readonly manifestMediaType: string;
  readonly config: { readonly mediaType: string; readonly data: Uint8Array };
  readonly layers: readonly { readonly mediaType: string; readonly data: Uint8Array }[];
}

/** A small image's layer is read whole: the mapping image's is a few KiB per thousand images. */
const SMALL_LAYER_LIMIT = 64 << 20;

export interface PulledLayer {
  readonly digest: string;
  readonly layerMediaType: string;
  readonly layer: Uint8Array;
}

/** Uploads the blobs and the manifest; returns the manifest digest. */
export async function pushSmallImage(session: RegistrySession, ref: ImageReference, image: SmallImage): Promise<string> {
  const repo: Repository = { registry: ref.domain, path: ref.path };
  const scopes = [pushScope(repo)];
  const blobs = [image.config, ...image.layers].map((b) => ({ mediaType: b.mediaType, data: b.data, digest: digestOf(b.data), size: b.data.length }));
  await Promise.all(blobs.map((blob) => uploadBlobBytes(session, repo, blob.digest, blob.data, scopes)));
  const descriptor = ({ mediaType, digest, size }: (typeof blobs)[number]) => ({ mediaType, digest, size });
  const [config, ...layers] = blobs;
  const manifest = { schemaVersion: 2, mediaType: image.manifestMediaType, config: descriptor(config!), layers: layers.map(descriptor) };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return putManifest(session, repo, ref.digest ?? ref.tag ?? digestOf(bytes), { bytes, mediaType: image.manifestMediaType }, scopes);
}

/** Pulls an image that must have exactly one layer, and returns that layer's bytes. */
export async function pullSingleLayerImage(session: RegistrySession, ref: ImageReference): Promise<PulledLayer> {
  const repo: Repository = { registry: ref.domain, path: ref.path };
  const scopes = [pullScope(repo)];
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const manifest = await getManifest(session, repo, reference, scopes);
  if (!manifest) {
    throw new RegistryError({ registry: repo.registry, repository: repo.path, operation: `pull ${reference} from`, status: 404, errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
  }
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, formatReference(ref));
  if (parsed.kind !== 'image' || parsed.layers.length !== 1) {
    const shape = parsed.kind === 'index' ? 'an index' : `${parsed.layers.length} layers`;
    throw new UnsupportedImageError(`${formatReference(ref)} has ${shape}; expected an image with exactly one layer`);
  }
  const layer = parsed.layers[0]!;
  return { digest: manifest.digest, layerMediaType: layer.mediaType, layer: await readBlob(session, repo, layer.digest, scopes, SMALL_LAYER_LIMIT) };
}
