/**
 * Bench corpora, pushed straight into a local anonymous registry with plain HTTP (monolithic blob
 * uploads, then the manifests): much faster than building them with umoci.
 *
 *   distinct: multi-arch images (an OCI index of 2 platforms), every layer of its own;
 *   shared:   single-arch images, each on one of a few base-layer sets plus a layer of its own.
 *
 * Layers are random bytes (the registry does not look inside), so nothing compresses or dedupes
 * by accident. Each corpus says how many unique bytes it has: what a copy must move at least.
 */
import { createHash, randomBytes } from 'node:crypto';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

interface Blob { readonly mediaType: string; readonly digest: string; readonly size: number; readonly data: Buffer }

export interface Corpus {
  /** repository path → manifest digest (each image is tagged v1 too). */
  readonly images: ReadonlyMap<string, string>;
  /** Bytes of the distinct blobs: what a copy must move. */
  readonly uniqueBytes: number;
  /** Bytes of every image's blobs added up: what a copy that shares nothing moves. */
  readonly totalBytes: number;
}

const blob = (mediaType: string, data: Buffer): Blob => ({ mediaType, data, size: data.length, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` });
const descriptor = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });

async function check(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

async function pushBlob(host: string, repo: string, b: Blob): Promise<void> {
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await check(start, `start upload to ${repo}`);
  const url = new URL(start.headers.get('location')!, `http://${host}`);
  url.searchParams.set('digest', b.digest);
  await check(await fetch(url, { method: 'PUT', body: b.data, headers: { 'content-type': 'application/octet-stream' } }), `upload ${b.digest}`);
}

async function pushManifest(host: string, repo: string, reference: string, mediaType: string, body: unknown): Promise<Blob> {
  const m = blob(mediaType, Buffer.from(JSON.stringify(body)));
  await check(await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: m.data, headers: { 'content-type': mediaType } }), `put manifest ${repo}:${reference}`);
  return m;
}

/** Pushes one image (config + layers) into `repo`; returns its manifest and config. */
async function pushImage(host: string, repo: string, layers: readonly Blob[], arch: string, tag?: string): Promise<{ manifest: Blob; config: Blob }> {
  const config = blob(CONFIG, Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') })));
  await Promise.all([config, ...layers].map((b) => pushBlob(host, repo, b)));
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: layers.map(descriptor) };
  const m = blob(OCI_MANIFEST, Buffer.from(JSON.stringify(manifest)));
  await pushManifest(host, repo, tag ?? m.digest, OCI_MANIFEST, manifest);
  return { manifest: m, config };
}

const sizeOf = (blobs: Iterable<Blob>) => [...blobs].reduce((n, b) => n + b.size, 0);

async function inBatches<T>(items: readonly T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(task));
}

/** `count` multi-arch images bench/<prefix>-<i>, `layers` layers of `layerBytes` per platform. */
export async function pushDistinctCorpus(host: string, opts: { count: number; layers: number; layerBytes: number; prefix?: string }): Promise<Corpus> {
  const images = new Map<string, string>();
  const all: Blob[] = [];
  await inBatches(Array.from({ length: opts.count }, (_, i) => i), 4, async (i) => {
    const repo = `bench/${opts.prefix ?? 'app'}-${i}`;
    const children = await Promise.all(['amd64', 'arm64'].map(async (arch) => {
      const layers = Array.from({ length: opts.layers }, () => blob(LAYER, randomBytes(opts.layerBytes)));
      const { manifest, config } = await pushImage(host, repo, layers, arch);
      all.push(config, ...layers);
      return { ...descriptor(manifest), platform: { architecture: arch, os: 'linux' } };
    }));
    const index = await pushManifest(host, repo, 'v1', OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children });
    images.set(repo, index.digest);
  });
  const bytes = sizeOf(all);
  return { images, uniqueBytes: bytes, totalBytes: bytes };
}

/**
 * `count` single-arch images bench/<prefix>-<i>, image i on base set i % `bases` (`baseLayers`
 * layers of `baseBytes`) plus one layer of `ownBytes` of its own.
 */
export async function pushSharedCorpus(host: string, opts: { count: number; bases: number; baseLayers: number; baseBytes: number; ownBytes: number; prefix?: string }): Promise<Corpus> {
  const bases = Array.from({ length: opts.bases }, () => Array.from({ length: opts.baseLayers }, () => blob(LAYER, randomBytes(opts.baseBytes))));
  const images = new Map<string, string>();
  const unique = new Map<string, Blob>();
  let total = 0;
  await inBatches(Array.from({ length: opts.count }, (_, i) => i), 4, async (i) => {
    const repo = `bench/${opts.prefix ?? 'svc'}-${i}`;
    const layers = [...bases[i % opts.bases]!, blob(LAYER, randomBytes(opts.ownBytes))];
    const { manifest, config } = await pushImage(host, repo, layers, 'amd64', 'v1');
    images.set(repo, manifest.digest);
    for (const b of [config, ...layers]) unique.set(b.digest, b);
    total += sizeOf([config, ...layers]);
  });
  return { images, uniqueBytes: sizeOf(unique.values()), totalBytes: total };
}

/** `count` small single-arch images bench/<prefix>-<i>:v1 (a config and one 1 KiB layer each). */
export async function pushSmallCorpus(host: string, opts: { count: number; prefix?: string }): Promise<Corpus> {
  const images = new Map<string, string>();
  let bytes = 0;
  await inBatches(Array.from({ length: opts.count }, (_, i) => i), 16, async (i) => {
    const repo = `bench/${opts.prefix ?? 'small'}-${i}`;
    const { manifest, config } = await pushImage(host, repo, [blob(LAYER, randomBytes(1024))], 'amd64', 'v1');
    images.set(repo, manifest.digest);
    bytes += config.size + 1024;
  });
  return { images, uniqueBytes: bytes, totalBytes: bytes };
}
