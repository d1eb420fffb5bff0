/**
 * The cost of -copy-referrers and -verify-signature-key on a re-run (everything already copied),
 * in requests per distinct image. N single-arch images and N/4 multi-arch indexes (2 platforms)
 * on a docker-registry 2.8 (no referrers API: the tag schema is used), each signed (indexes: the
 * index and both platform manifests, as `cosign sign --recursive`), with a `.att` and one OCI
 * referrer, renamed into a second registry. Counting proxies in front of both registries give the
 * requests. For comparison, skopeo copies the same referrer tags (`.sig`, `.att`) and referrer
 * manifests one by one, as a script around skopeo would, in the same run.
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
import { startProxy, type CountingProxy } from '../test/harness/proxy.js';
import { startRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SINGLE = Number(process.argv[2] ?? 20);
const MULTI = Math.max(1, Math.floor(SINGLE / 4));
const DISTINCT = SINGLE + MULTI;
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

async function measure(label: string, proxies: readonly CountingProxy[], task: () => Promise<void>): Promise<number> {
  proxies.forEach((p) => p.reset());
  const started = performance.now();
  await task();
  const ms = performance.now() - started;
  const requests = total(proxies);
  console.log(`${label.padEnd(52)} ${(ms / 1000).toFixed(2).padStart(6)} s ${String(requests).padStart(6)} requests  ${(requests / DISTINCT).toFixed(2).padStart(6)} per image`);
  return requests;
}

const dir = await mkdtemp(path.join(tmpdir(), 'reimage-bench-referrers-'));
const [srcReg, dstReg] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
const [src, dst] = await Promise.all([startProxy(srcReg.host), startProxy(dstReg.host)]) as [CountingProxy, CountingProxy];
const layout = await buildTestLayout();
try {
  const key = await makeCosignKey(dir, 'ecdsa-p256');
  const client = new RegistryClient({ concurrency: 8 });
  const images: string[] = [];
  const referrerTags: string[] = []; // "repo:tag" or "repo@digest", for the skopeo comparison
  const addReferrers = async (repo: string, digest: string, subjects: readonly { mediaType: string; digest: string; size: number }[]) => {
    // Signed for the name reimage reaches the source by (through the proxy).
    const signed = (d: string) => ({ payload: simpleSigningPayload(repo.replace(srcReg.host, src.host), d) });
    for (const s of subjects) {
      await cosignSignImage(repo, s.digest, key, signed(s.digest));
      referrerTags.push(`${repo}:${s.digest.replace(':', '-')}.sig`);
    }
    await cosignSignImage(repo, digest, key, signed(digest)); // a second signature layer on the image itself
    const att = await pushReferrer(repo, subjects[0]!, 'application/vnd.in-toto+json', `{"n":"${randomBytes(4).toString('hex')}"}`, true);
    // (skopeo cannot copy the referrers tag index itself: it will not keep an index of artifacts byte for byte.)
    referrerTags.push(`${repo}@${att}`);
  };
  for (let i = 0; i < SINGLE; i++) {
    const ref = `${srcReg.host}/single/app-${i}:1.0`;
    const layer = gzipSync(randomBytes(1024));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: randomBytes(8).toString('hex') }));
    const bytesDigest = await client.pushImage(parseReference(ref), {
      manifestMediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: layer }],
    });
    const size = Buffer.byteLength(await inspectRaw(`${srcReg.host}/single/app-${i}@${bytesDigest}`));
    await addReferrers(`${srcReg.host}/single/app-${i}`, bytesDigest, [{ mediaType: OCI_MANIFEST, digest: bytesDigest, size }]);
    images.push(`${src.host}/single/app-${i}:1.0`);
  }
  for (let i = 0; i < MULTI; i++) {
    const repo = `${srcReg.host}/multi/app-${i}`;
    const digest = await pushTestImage(layout, 'oci-index', `${repo}:1.0`, srcReg);
    const raw = await inspectRaw(`${repo}@${digest}`);
    const children = (JSON.parse(raw) as { manifests: { mediaType: string; digest: string; size: number }[] }).manifests;
    await addReferrers(repo, digest, [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: Buffer.byteLength(raw) }, ...children]);
    images.push(`${src.host}/multi/app-${i}:1.0`);
  }
  const input = images.map((image, i) => `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`).join('');
  const base = ['-rename-remote-path', `${dst.host}/mirror`];
  const verify = ['-verify-signature-key', key.publicKeyFile];
  console.log(`${SINGLE} single-arch images and ${MULTI} indexes (2 platforms), each signed, with a .att-style referrer and a second signature\n`);

  const proxies = [src, dst];
  await measure('reimage, first run: copy images only', proxies, () => reimage(base, input));
  const plain = await measure('reimage, re-run: images only', proxies, () => reimage(base, input));
  const variants: [string, string[]][] = [
    ['-verify-signature-key', verify],
    ['-copy-referrers', ['-copy-referrers']],
    ['-copy-referrers -verify-signature-key', ['-copy-referrers', ...verify]],
  ];
  const extra: string[] = [];
  for (const [label, flags] of variants) {
    await measure(`reimage, first run with ${label}`, proxies, () => reimage([...base, ...flags], input));
    const warm = await measure(`reimage, re-run with ${label}`, proxies, () => reimage([...base, ...flags], input));
    extra.push(`  ${label.padEnd(40)} ${((warm - plain) / DISTINCT).toFixed(2)} extra requests per image on a re-run`);
  }

  // skopeo: the same referrer manifests copied one by one (a script around skopeo cannot know they are there already).
  const skopeoPairs = referrerTags.map((ref) => [ref.replace(srcReg.host, src.host), ref.replace(srcReg.host, `${dst.host}/skopeo`)] as const);
  const skopeoRun = async () => {
    for (const [from, to] of skopeoPairs) {
      const target = to.includes('@') ? to.replace(/@sha256:([0-9a-f]+)$/, ':ref-$1') : to;
      await run('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${from}`, `docker://${target}`]);
    }
  };
  await measure(`skopeo copy x${skopeoPairs.length} referrer manifests (copies)`, proxies, skopeoRun);
  const skopeoWarm = await measure(`skopeo copy x${skopeoPairs.length} referrer manifests (present)`, proxies, skopeoRun);

  console.log('\nwarm-run cost against a re-run without the flags:');
  for (const line of extra) console.log(line);
  console.log(`  skopeo, referrer manifests alone:          ${(skopeoWarm / DISTINCT).toFixed(2)} requests per image on a re-run`);
} finally {
  await Promise.all([src.stop(), dst.stop()]);
  await Promise.all([srcReg.stop(), dstReg.stop()]);
  await layout.remove();
  await rm(dir, { recursive: true, force: true });
}
