/**
 * The cost of -copy-referrers and -verify-signature-key on a re-run (everything already copied),
 * in requests per distinct image, per case: single-arch images and multi-arch indexes (2
 * platforms) apart, each in its own repository, each signed (indexes: the index and both platform
 * manifests, as `cosign sign --recursive`, plus a second signature layer on the image) with one
 * OCI referrer, renamed into a second registry of the same kind. A third case: N/4 single-arch
 * images as tags of one shared repository, each signed once and with nothing else (the
 * cheapest signed image; the source's tag list is shared). Two kinds: docker-registry 2.8
 * (no referrers API: the referrers tag schema) and the test harness's OCI 1.1 registry (the
 * referrers API). Counting proxies in front of the registries give the requests. For comparison,
 * skopeo copies the same referrer tags and manifests one by one (on docker-registry), as a script
 * around skopeo would, in the same run.
 *
 *   npm run build && node --import tsx bench/referrers.ts [single-arch-images]
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { cosignSignImage, makeCosignKey, pushReferrer, simpleSigningPayload } from '../test/harness/cosign.js';
import { buildTestLayout, inspectRaw, pushTestImage } from '../test/harness/images.js';
import { startOciRegistry } from '../test/harness/oci-registry.js';
import { startProxy, type CountingProxy } from '../test/harness/proxy.js';
import { startRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SINGLE = Number(process.argv[2] ?? 20);
const MULTI = Math.max(1, Math.floor(SINGLE / 4));
const run = promisify(execFile);
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function reimage(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/reimage`, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`reimage exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

const total = (proxies: readonly CountingProxy[]) => proxies.reduce((n, p) => n + Object.values(p.requests).reduce((a, b) => a + b, 0), 0);

async function measure(label: string, proxies: readonly CountingProxy[], images: number, task: () => Promise<void>): Promise<number> {
  proxies.forEach((p) => p.reset());
  const started = performance.now();
  await task();
  const ms = performance.now() - started;
  const requests = total(proxies);
  console.log(`${label.padEnd(64)} ${(ms / 1000).toFixed(2).padStart(6)} s ${String(requests).padStart(6)} requests  ${(requests / images).toFixed(2).padStart(6)} per image`);
  return requests;
}

interface Registry { readonly host: string; stop(): Promise<void> }
const kinds: { label: string; start: () => Promise<Registry>; tagSchema: boolean }[] = [
  { label: 'docker-registry 2.8, tag schema', start: () => startRegistry('anonymous'), tagSchema: true },
  { label: 'OCI 1.1 registry, referrers API', start: startOciRegistry, tagSchema: false },
];
const variants: [string, (key: string) => string[]][] = [
  ['-verify-signature-key', (key) => ['-verify-signature-key', key]],
  ['-copy-referrers', () => ['-copy-referrers']],
  ['both', (key) => ['-copy-referrers', '-verify-signature-key', key]],
];
const podsOf = (images: readonly string[]) => images.map((image, i) => `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`).join('');

const dir = await mkdtemp(path.join(tmpdir(), 'reimage-bench-referrers-'));
const layout = await buildTestLayout();
const summary: string[] = [];
try {
  const key = await makeCosignKey(dir, 'ecdsa-p256');
  const client = new RegistryClient({ concurrency: 8 });
  console.log(`${SINGLE} single-arch images and ${MULTI} indexes (2 platforms), each signed twice, each with one OCI referrer; each image in its own repository\n`);
  for (const kind of kinds) {
    const [srcReg, dstReg] = await Promise.all([kind.start(), kind.start()]);
    const [src, dst] = await Promise.all([startProxy(srcReg.host), startProxy(dstReg.host)]) as [CountingProxy, CountingProxy];
    try {
      const single: string[] = [];
      const multi: string[] = [];
      const shared: string[] = [];
      const referrerTags: string[] = []; // "repo:tag" or "repo@digest", for the skopeo comparison
      const addReferrers = async (repo: string, digest: string, subjects: readonly { mediaType: string; digest: string; size: number }[]) => {
        // Signed for the name reimage reaches the source by (through the proxy).
        const signed = (d: string) => ({ payload: simpleSigningPayload(repo.replace(srcReg.host, src.host), d) });
        for (const s of subjects) {
          await cosignSignImage(repo, s.digest, key, signed(s.digest));
          referrerTags.push(`${repo}:${s.digest.replace(':', '-')}.sig`);
        }
        await cosignSignImage(repo, digest, key, signed(digest)); // a second signature layer on the image itself
        const att = await pushReferrer(repo, subjects[0]!, 'application/vnd.in-toto+json', `{"n":"${randomBytes(4).toString('hex')}"}`, kind.tagSchema);
        // (skopeo cannot copy the referrers tag index itself: it will not keep an index of artifacts byte for byte.)
        referrerTags.push(`${repo}@${att}`);
      };
      /** A small single-arch image at `ref` ("host/repo:tag"); its digest. */
      const pushSmall = (ref: string) => client.pushImage(parseReference(ref), {
        manifestMediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: randomBytes(8).toString('hex') })) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: gzipSync(randomBytes(1024)) }],
      });
      for (let i = 0; i < SINGLE; i++) {
        const repo = `${srcReg.host}/single/app-${i}`;
        const digest = await pushSmall(`${repo}:1.0`);
        const size = Buffer.byteLength(await inspectRaw(`${repo}@${digest}`));
        await addReferrers(repo, digest, [{ mediaType: OCI_MANIFEST, digest, size }]);
        single.push(`${src.host}/single/app-${i}:1.0`);
      }
      for (let i = 0; i < MULTI; i++) {
        const digest = await pushSmall(`${srcReg.host}/shared/app:${i}`);
        await cosignSignImage(`${srcReg.host}/shared/app`, digest, key, { payload: simpleSigningPayload(`${src.host}/shared/app`, digest) });
        shared.push(`${src.host}/shared/app:${i}`);
      }
      for (let i = 0; i < MULTI; i++) {
        const repo = `${srcReg.host}/multi/app-${i}`;
        const digest = await pushTestImage(layout, 'oci-index', `${repo}:1.0`);
        const raw = await inspectRaw(`${repo}@${digest}`);
        const children = (JSON.parse(raw) as { manifests: { mediaType: string; digest: string; size: number }[] }).manifests;
        await addReferrers(repo, digest, [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: Buffer.byteLength(raw) }, ...children]);
        multi.push(`${src.host}/multi/app-${i}:1.0`);
      }
      const base = ['-rename-remote-path', `${dst.host}/mirror`];
      const proxies = [src, dst];
      for (const [what, images] of [['single-arch', single], ['index', multi], ['shared-repo', shared]] as const) {
        const input = podsOf(images);
        console.log(`${kind.label}, ${images.length} ${what} images:`);
        await measure('  first run, images only', proxies, images.length, () => reimage(base, input));
        const plain = await measure('  re-run, images only', proxies, images.length, () => reimage(base, input));
        for (const [label, flags] of variants) {
          const args = [...base, ...flags(key.publicKeyFile)];
          await measure(`  first run with ${label}`, proxies, images.length, () => reimage(args, input));
          const warm = await measure(`  re-run with ${label}`, proxies, images.length, () => reimage(args, input));
          summary.push(`  ${kind.label.padEnd(34)} ${what.padEnd(12)} ${label.padEnd(24)} ${((warm - plain) / images.length).toFixed(2)}`);
        }
      }
      if (kind.tagSchema) {
        // skopeo: the same referrer manifests copied one by one (a script around skopeo cannot know they are there already).
        const skopeoPairs = referrerTags.map((ref) => [ref.replace(srcReg.host, src.host), ref.replace(srcReg.host, `${dst.host}/skopeo`)] as const);
        const skopeoRun = async () => {
          for (const [from, to] of skopeoPairs) {
            const target = to.includes('@') ? to.replace(/@sha256:([0-9a-f]+)$/, ':ref-$1') : to;
            await run('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${from}`, `docker://${target}`]);
          }
        };
        const distinct = SINGLE + MULTI;
        await measure(`skopeo copy x${skopeoPairs.length} referrer manifests (copies)`, proxies, distinct, skopeoRun);
        const skopeoWarm = await measure(`skopeo copy x${skopeoPairs.length} referrer manifests (present)`, proxies, distinct, skopeoRun);
        summary.push(`  skopeo, the same referrer manifests alone, all ${distinct} images: ${(skopeoWarm / distinct).toFixed(2)} requests per image on a re-run`);
      }
      console.log('');
    } finally {
      await Promise.all([src.stop(), dst.stop()]);
      await Promise.all([srcReg.stop(), dstReg.stop()]);
    }
  }
  console.log('warm-run cost against a re-run without the flags, extra requests per image:');
  for (const line of summary) console.log(line);
} finally {
  await layout.remove();
  await rm(dir, { recursive: true, force: true });
}
