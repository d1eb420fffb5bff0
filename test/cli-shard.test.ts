/**
 * -shard INDEX/COUNT: four shard processes at once mirror one mappings file between real
 * registries; together they copy every image, none twice, and a re-run writes nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseShard, shardOf } from '../src/cli/shard.js';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';

const SHARDS = 4;
const REPOS = 12;
const TAGS = 2;

describe('-shard', () => {
  let regs: { anonymous: TestRegistry; stop(): Promise<void> };
  let dst: TestRegistry;
  let srcProxy: CountingProxy;
  let dstProxy: CountingProxy;
  let dir: string;
  let mappingsFile: string;
  const mappings: Record<string, { tag: string; digest: string }> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reimage-shard-'));
    const [a, b] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
    regs = { anonymous: a.anonymous, stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
    dst = b.anonymous;
    [srcProxy, dstProxy] = await Promise.all([startProxy(regs.anonymous.host), startProxy(dst.host)]);
    const client = new RegistryClient({ concurrency: 8 });
    // Tags of one repository share their layer, as releases of one image do.
    await Promise.all(Array.from({ length: REPOS }, async (_, r) => {
      const layer = gzipSync(randomBytes(1024));
      for (let t = 0; t < TAGS; t++) {
        const ref = `${srcProxy.host}/team/app-${r}:1.${t}`;
        const digest = await client.pushImage(parseReference(ref), {
          manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag: t })) },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: layer }],
        });
        mappings[ref] = { tag: `${dstProxy.host}/mirror/app-${r}:1.${t}`, digest };
      }
    }));
    mappingsFile = path.join(dir, 'mappings.json');
    await writeFile(mappingsFile, JSON.stringify(mappings));
  });
  after(async () => {
    await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
    await regs?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // The first run mirrors into an empty registry, so there is nothing to verify yet.
  const runShards = (verify: boolean) => Promise.all(Array.from({ length: SHARDS }, (_, i) => runReimage([
    '-mappings-only', '-static-json-mappings-file', mappingsFile, `-verify-static-json-mappings=${verify}`,
    '-write-json-mappings-file', path.join(dir, `out-${i}.json`), '-shard', `${i}/${SHARDS}`,
  ])));

  it('four shards at once copy every image exactly once, and a re-run writes nothing', async () => {
    dstProxy.reset();
    const first = await runShards(false);
    for (const r of first) assert.equal(r.code, 0, r.stderr);
    for (const r of first) assert.equal(r.stdout, '');

    // The shards' mappings are disjoint and together are the whole mappings file.
    const union: Record<string, { tag: string; digest: string }> = {};
    for (let i = 0; i < SHARDS; i++) {
      const part = JSON.parse(await readFile(path.join(dir, `out-${i}.json`), 'utf8')) as Record<string, { tag: string; digest: string }>;
      for (const [key, { tag, digest }] of Object.entries(part)) {
        assert.equal(union[key], undefined, `${key} is in two shards`);
        union[key] = { tag, digest };
      }
    }
    assert.deepEqual(union, mappings);

    // One manifest PUT per target tag: no image was copied by two shards.
    const puts = dstProxy.log.filter((e) => e.method === 'PUT' && e.path.includes('/manifests/')).map((e) => e.path);
    assert.equal(puts.length, REPOS * TAGS, puts.join('\n'));
    assert.equal(new Set(puts).size, REPOS * TAGS);
    const check = new RegistryClient();
    for (const entry of Object.values(mappings)) assert.equal((await check.resolve(parseReference(entry.tag)))?.digest, entry.digest);

    dstProxy.reset();
    srcProxy.reset();
    const again = await runShards(true);
    for (const r of again) assert.equal(r.code, 0, r.stderr);
    const writes = dstProxy.log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
    assert.deepEqual(writes, [], 'a re-run writes nothing');
    assert.equal(srcProxy.log.filter((e) => e.path.includes('/blobs/')).length, 0, 'a re-run reads no blobs');
  });

  it('a failing shard names itself', async () => {
    const broken = { ...mappings, [`${srcProxy.host}/team/gone:1`]: { tag: `${dstProxy.host}/mirror/gone:1`, digest: `sha256:${'0'.repeat(64)}` } };
    const file = path.join(dir, 'broken.json');
    await writeFile(file, JSON.stringify(broken));
    const index = shardOf(`${srcProxy.host}/team/gone`, SHARDS);
    const r = await runReimage(['-mappings-only', '-static-json-mappings-file', file, '-verify-static-json-mappings=false', '-shard', `/${SHARDS}`], '', { JOB_COMPLETION_INDEX: String(index) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`reimage: shard ${index}/${SHARDS}: 1 of \\d+ images failed`));
    assert.match(r.stderr, /team\/gone:1/);
    assert.equal(r.stdout, '');
  });

  it('-list-images shards partition the images', async () => {
    const stream = Object.keys(mappings).map((image, i) => `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`).join('');
    const listed = await Promise.all(Array.from({ length: SHARDS }, (_, i) => runReimage(['-list-images', '-output', 'json', '-shard', `${i}/${SHARDS}`], stream)));
    const images = listed.flatMap((r) => {
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { image: string }).image);
    });
    assert.deepEqual(images.sort(), Object.keys(mappings).sort());
    assert.ok(listed.filter((r) => r.stdout.trim() !== '').length > 1, 'the images spread over several shards');
  });

  it('-list-images -show-referrers in a shard asks the registry about that shard\'s images only', async () => {
    const stream = Object.keys(mappings).map((image, i) => `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`).join('');
    const mine = Object.keys(mappings).filter((image) => shardOf(`${srcProxy.host}/${parseReference(image).path}`, SHARDS) === 1);
    assert.ok(mine.length > 0 && mine.length < Object.keys(mappings).length);
    srcProxy.reset();
    const r = await runReimage(['-list-images', '-output', 'json', '-show-referrers', '-shard', `1/${SHARDS}`], stream);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { image: string; digest?: string });
    assert.deepEqual(lines.map((l) => l.image).sort(), mine.sort());
    for (const l of lines) assert.equal(l.digest, mappings[l.image]!.digest);
    const asked = new Set(srcProxy.log.map((e) => /^\/v2\/(.+?)\/(?:manifests|tags|referrers)\//.exec(e.path)?.[1]).filter(Boolean));
    assert.deepEqual([...asked].sort(), [...new Set(mine.map((image) => parseReference(image).path))].sort());
  });

  it('rejects bad -shard values and uses that make no sense', async () => {
    assert.deepEqual(parseShard('3/4'), { index: 3, count: 4 });
    assert.deepEqual(parseShard('/4', { JOB_COMPLETION_INDEX: '2' }), { index: 2, count: 4 });
    assert.throws(() => parseShard('/4', {}), /JOB_COMPLETION_INDEX, which is not set/);
    assert.throws(() => parseShard('4/4'), /INDEX 4 must be below COUNT 4/);
    assert.throws(() => parseShard('0/0'), /COUNT must be from 1/);
    assert.throws(() => parseShard('1-4'), /want INDEX\/COUNT/);
    // The hash is SHA-256's first 32 bits, as documented, so every machine agrees (sha256sum is the oracle).
    for (const name of ['docker.io/library/nginx', 'quay.io/team/app-7']) {
      const first32 = Number.parseInt(execFileSync('sha256sum', { input: name, encoding: 'utf8' }).slice(0, 8), 16);
      assert.equal(shardOf(name, 7), first32 % 7, name);
    }
    assert.deepEqual([0, 1, 2, 3].map((i) => shardOf(`docker.io/library/app-${i}`, 1)), [0, 0, 0, 0]);
    const plain = await runReimage(['-shard', '0/2'], 'kind: Pod\n');
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /-shard needs -mappings-only or -list-images/);
    const img = await runReimage(['-shard', '0/2', '-mappings-only', '-static-json-mappings-file', mappingsFile, '-write-json-mappings-img', `${dstProxy.host}/m:1`]);
    assert.equal(img.code, 2);
    assert.match(img.stderr, /cannot be combined/);
  });
});
