/**
 * Test images built without a daemon: umoci writes them into an OCI layout, skopeo pushes them.
 * Build a layout once per test file, then push it in any of four shapes:
 *
 *   const layout = await buildTestLayout();            // tags: amd64, arm64 (one small layer each), multi (OCI index of both)
 *   await addImage(layout, 'big', { layers: [50 << 20] });   // more images, random incompressible layers
 *   await addIndex(layout, 'bigmulti', ['amd64', 'arm64']);
 *   const digest = await pushTestImage(layout, 'oci-index', `${reg.host}/test/multi:v1`, reg);
 *       // kinds: 'oci' (single-arch OCI), 'docker' (v2 schema 2), 'oci-index', 'docker-list'
 *   const raw = await inspectRaw(`${reg.host}/test/multi:v1`, reg);   // skopeo inspect --raw: the exact bytes
 *   await layout.remove();
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestRegistry } from './registries.js';

const run = promisify(execFile);
const BIG = { maxBuffer: 64 << 20 };

export interface TestLayout {
  readonly dir: string;
  /** The OCI layout directory (umoci's --layout). */
  readonly path: string;
  remove(): Promise<void>;
}

export type TestImageKind = 'oci' | 'docker' | 'oci-index' | 'docker-list';

/** A layout with images "amd64" and "arm64" (one small layer each) and the OCI index "multi". */
export async function buildTestLayout(): Promise<TestLayout> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reimage-images-'));
  const layout: TestLayout = { dir, path: path.join(dir, 'oci'), remove: () => rm(dir, { recursive: true, force: true }) };
  await run('umoci', ['init', '--layout', layout.path]);
  await addImage(layout, 'amd64', { arch: 'amd64', layers: [1024] });
  await addImage(layout, 'arm64', { arch: 'arm64', layers: [1024] });
  await addIndex(layout, 'multi', ['amd64', 'arm64']);
  return layout;
}

/**
 * Adds an image with one layer per entry of `layers`, each holding one file of that many random
 * bytes (random, so gzip cannot shrink it and every image has distinct blobs).
 */
export async function addImage(layout: TestLayout, tag: string, opts: { arch?: string; layers: readonly number[] }): Promise<void> {
  const image = `${layout.path}:${tag}`;
  const bundle = path.join(layout.dir, `bundle-${tag}`);
  const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
  await run('umoci', ['new', '--image', image]);
  await run('umoci', ['unpack', ...rootless, '--image', image, bundle], BIG);
  for (const [i, size] of opts.layers.entries()) {
    await writeFile(path.join(bundle, 'rootfs', `layer-${i}.bin`), randomBytes(size));
    await run('umoci', ['repack', '--refresh-bundle', '--image', image, bundle], BIG);
  }
  await run('umoci', ['config', '--image', image, '--architecture', opts.arch ?? 'amd64', '--os', 'linux', '--config.cmd', '/layer-0.bin']);
  await rm(bundle, { recursive: true, force: true });
}

/** Adds an OCI index over images already in the layout (umoci cannot make indexes itself). */
export async function addIndex(layout: TestLayout, tag: string, children: readonly string[]): Promise<string> {
  const indexFile = path.join(layout.path, 'index.json');
  const top = JSON.parse(await readFile(indexFile, 'utf8')) as { manifests: Record<string, unknown>[] };
  const byTag = new Map(top.manifests.map((m) => [(m.annotations as Record<string, string> | undefined)?.['org.opencontainers.image.ref.name'], m]));
  const manifests = await Promise.all(children.map(async (child) => {
    const desc = byTag.get(child);
    if (!desc) throw new Error(`no image ${child} in ${layout.path}`);
    const { annotations: _drop, ...rest } = desc;
    const manifest = JSON.parse(await readFile(blobPath(layout, rest.digest as string), 'utf8')) as { config: { digest: string } };
    const config = JSON.parse(await readFile(blobPath(layout, manifest.config.digest), 'utf8')) as { architecture: string; os: string };
    return { ...rest, platform: { architecture: config.architecture, os: config.os } };
  }));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(blobPath(layout, digest), bytes);
  top.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } });
  await writeFile(indexFile, JSON.stringify(top));
  return digest;
}

function blobPath(layout: TestLayout, digest: string): string {
  return path.join(layout.path, 'blobs', ...digest.split(':'));
}

/**
 * Pushes a layout image with skopeo as one of the four kinds; returns the pushed manifest digest.
 * 'oci' and 'docker' push the "amd64" image (or `image`), the index kinds "multi" (or `image`).
 */
export async function pushTestImage(layout: TestLayout, kind: TestImageKind, dest: string, registry?: TestRegistry, image?: string): Promise<string> {
  const multi = kind === 'oci-index' || kind === 'docker-list';
  const source = `oci:${layout.path}:${image ?? (multi ? 'multi' : 'amd64')}`;
  const digestFile = path.join(layout.dir, `digest-${randomBytes(6).toString('hex')}`);
  await run('skopeo', ['copy', '-q', ...(multi ? ['--all'] : []), ...(kind.startsWith('docker') ? ['--format', 'v2s2'] : []),
    '--digestfile', digestFile, ...registryArgs(registry, 'dest'), source, `docker://${dest}`], BIG);
  const digest = (await readFile(digestFile, 'utf8')).trim();
  await rm(digestFile);
  return digest;
}

/** `skopeo inspect --raw`: the manifest bytes as the registry stores them. */
export async function inspectRaw(ref: string, registry?: TestRegistry): Promise<string> {
  const { stdout } = await run('skopeo', ['inspect', '--raw', ...registryArgs(registry), `docker://${ref}`], BIG);
  return stdout;
}

/** skopeo flags to reach a test registry: TLS trust (or plain HTTP) and credentials. */
export function registryArgs(registry: TestRegistry | undefined, direction?: 'src' | 'dest'): string[] {
  const flag = (name: string) => (direction ? `--${direction}-${name}` : `--${name}`);
  const args = registry?.certDir ? [`${flag('cert-dir')}=${registry.certDir}`] : [`${flag('tls-verify')}=false`];
  if (registry?.username) args.push(`${flag('creds')}=${registry.username}:${registry.password}`);
  return args;
}
