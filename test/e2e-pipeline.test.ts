/**
 * End to end: the built CLI against real registries (docker-registry), with a Helm-style stream.
 * Three registries stand for a third-party registry ("src"), Docker Hub ("hub", reached through
 * -registry-mirror) and the user's registry ("dst"); each sits behind a counting proxy.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addImage, buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { BIN, HELM_WRAPPER, run, runReimage } from './harness/run-reimage.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const hex = (digest: string) => digest.slice('sha256:'.length);

/** A Helm-rendered release: several workloads, a CronJob, a custom resource, images repeated. */
function helmStream(img: (name: string) => string): string {
  return `---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    postrenderer.helm.sh/postrender-filename: shop/templates/web.yaml
spec:
  replicas: 2
  template:
    spec:
      initContainers:
        - name: init
          image: ${img('busybox:1.36')}
      containers:
        - name: nginx
          image: "${img('nginx:1.27')}"
        - name: app
          image: ${img('SRC/team/app:1.0')}
---
# Source: shop/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  image: not-an-image-field:1   # only image fields are touched
---
# Source: shop/templates/cache.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: redis
          image: ${img('bitnami/redis:7.2')}
        - name: exporter
          image: ${img('nginx:1.27')}
---
# Source: shop/templates/report.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: ${img('SRC/team/app:1.0')}
            - name: pinned
              image: ${img('SRC/team/app@APP_DIGEST')}
          restartPolicy: OnFailure
---
# Source: shop/templates/logs.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logs
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: shipper
          image: '${img('docker.io/library/nginx:1.27')}'
---
# Source: shop/templates/widget.yaml
apiVersion: example.com/v1
kind: Widget
metadata:
  name: runner
  namespace: shop
spec:
  runner:
    image: ${img('SRC/team/worker:2')}
`;
}

const RULES = `- kind: ^Widget$
  apiVersion: ^example\\.com/v1$
  imageJSONP: ["$.spec.runner.image"]
`;

describe('reimage end to end against real registries', () => {
  let regs: { src: TestRegistry; hub: TestRegistry; dst: TestRegistry; stop(): Promise<void> };
  let proxies: { src: CountingProxy; hub: CountingProxy; dst: CountingProxy };
  let layout: TestLayout;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let rulesFile: string;
  /** Digest of each source image, by its spelling in helmStream. */
  const digests = new Map<string, string>();
  let input: string;
  let sub: (name: string) => string;

  const allProxies = () => [proxies.src, proxies.hub, proxies.dst];
  const resetCounts = () => allProxies().forEach((p) => p.reset());
  const manifestHeads = (p: CountingProxy, repoPath: string) =>
    p.log.filter((e) => e.method === 'HEAD' && e.path === `/v2/${repoPath}`).length;

  const baseArgs = () => [
    '-rules-config', rulesFile,
    '-registry-mirror', `docker.io=${proxies.hub.host}`,
    '-rename-remote-path', `${proxies.dst.host}/imported`,
  ];
  /** What the default template names each source. */
  const target = (name: string) => {
    const digest = digests.get(name) as string;
    if (name.startsWith('SRC/')) {
      return `${proxies.dst.host}/imported/${proxies.src.host.replace(':', '_')}/${name.slice(4).replace(/[:@].*$/, '')}:${hex(digest)}`;
    }
    const repo = name.replace(/^docker\.io\//, '').replace(/:.*$/, '');
    return `${proxies.dst.host}/imported/index.docker.io/${repo.includes('/') ? repo : `library/${repo}`}:${hex(digest)}`;
  };

  before(async () => {
    const [started, built, scratch] = await Promise.all([
      startRegistries('anonymous').then(async (src) => {
        const [hub, dst] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
        return { src: src.anonymous, hub: hub.anonymous, dst: dst.anonymous, stop: async () => void (await Promise.all([src.stop(), hub.stop(), dst.stop()])) };
      }),
      buildTestLayout(),
      mkdtemp(path.join(tmpdir(), 'reimage-e2e-')),
    ]);
    [regs, layout, dir] = [started, built, scratch];
    proxies = { src: await startProxy(regs.src.host), hub: await startProxy(regs.hub.host), dst: await startProxy(regs.dst.host) };
    await addImage(layout, 'busybox', { layers: [700] });
    await addImage(layout, 'app', { layers: [1500, 300] });
    const seeds: [string, Parameters<typeof pushTestImage>[1], string, TestRegistry, string?][] = [
      ['nginx:1.27', 'oci-index', 'library/nginx:1.27', regs.hub],
      ['busybox:1.36', 'docker', 'library/busybox:1.36', regs.hub, 'busybox'],
      ['bitnami/redis:7.2', 'docker-list', 'bitnami/redis:7.2', regs.hub],
      ['SRC/team/app:1.0', 'oci', 'team/app:1.0', regs.src, 'app'],
      ['SRC/team/worker:2', 'docker', 'team/worker:2', regs.src],
    ];
    for (const [name, kind, ref, reg, image] of seeds) digests.set(name, await pushTestImage(layout, kind, `${reg.host}/${ref}`, reg, image));
    digests.set('docker.io/library/nginx:1.27', digests.get('nginx:1.27') as string);
    digests.set('SRC/team/app@APP_DIGEST', digests.get('SRC/team/app:1.0') as string);
    sub = (name: string) => name.replace('SRC', proxies.src.host).replace('APP_DIGEST', digests.get('SRC/team/app:1.0') as string);
    input = helmStream(sub);
    rulesFile = path.join(dir, 'rules.yaml');
    await writeFile(rulesFile, RULES);
    env = { DOCKER_CONFIG: dir };
  });

  after(async () => {
    await Promise.all(allProxies().map((p) => p.stop()));
    await regs?.stop();
    await layout?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renames, pins and copies every image, writes the mappings, and resolves each distinct image once', async () => {
    resetCounts();
    const mappingsFile = path.join(dir, 'mappings.json');
    const r = await runReimage([...baseArgs(), '-write-json-mappings-file', mappingsFile, '-write-json-mappings-img', `${proxies.dst.host}/reimage/mappings:run1`], input, env);
    assert.equal(r.stderr.match(/reimage: 9 images found, 6 distinct: 0 already present, 5 copied \([\d.]+ kB\) in [\d.]+s/)?.length, 1, r.stderr);
    assert.equal(r.code, 0, r.stderr);

    // The output: the input byte for byte, with each image replaced by its renamed copy.
    assert.equal(r.stdout, helmStream(target));

    // Each distinct source reference was resolved exactly once, however often it is written.
    assert.equal(manifestHeads(proxies.hub, 'library/nginx/manifests/1.27'), 1);
    assert.equal(manifestHeads(proxies.hub, 'library/busybox/manifests/1.36'), 1);
    assert.equal(manifestHeads(proxies.hub, 'bitnami/redis/manifests/7.2'), 1);
    assert.equal(manifestHeads(proxies.src, 'team/app/manifests/1.0'), 1);
    assert.equal(manifestHeads(proxies.src, `team/app/manifests/${digests.get('SRC/team/app:1.0')}`), 1);
    assert.equal(manifestHeads(proxies.src, 'team/worker/manifests/2'), 1);

    // Each target was looked up once: the copy reuses the pipeline's answer instead of asking again.
    for (const name of ['nginx:1.27', 'busybox:1.36', 'bitnami/redis:7.2', 'SRC/team/app:1.0', 'SRC/team/worker:2']) {
      const [, repo, tag] = /^[^/]+\/(.+):([0-9a-f]{64})$/.exec(target(name)) ?? [];
      assert.equal(manifestHeads(proxies.dst, `${repo}/manifests/${tag}`), 1, name);
    }

    // The copies are byte-identical, indexes included, and sit at the names written.
    for (const name of ['nginx:1.27', 'busybox:1.36', 'bitnami/redis:7.2', 'SRC/team/app:1.0', 'SRC/team/worker:2']) {
      const copied = await inspectRaw(target(name).replace(proxies.dst.host, regs.dst.host));
      const source = name.startsWith('SRC/') ? `${regs.src.host}/${name.slice(4)}` : `${regs.hub.host}/${name.includes('/') ? name : `library/${name}`}`;
      assert.equal(copied, await inspectRaw(source), name);
      assert.equal(sha(copied), digests.get(name));
    }

    // The mappings file: keyed by each image as written, mode 0600.
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Record<string, { tag: string; digest: string }>;
    const spellings = ['nginx:1.27', 'docker.io/library/nginx:1.27', 'busybox:1.36', 'bitnami/redis:7.2', 'SRC/team/app:1.0', 'SRC/team/app@APP_DIGEST', 'SRC/team/worker:2'];
    const noCheck = { Ignored: null, Accepted: null, Rejected: null };
    assert.deepEqual(mappings, Object.fromEntries(spellings.map((n) => [sub(n), { tag: target(n), digest: digests.get(n), vulncheckResult: noCheck }])));
    assert.equal((await stat(mappingsFile)).mode & 0o777, 0o600);

    // The mapping image: Docker v2, one layer.
    const manifest = JSON.parse(await inspectRaw(`${regs.dst.host}/reimage/mappings:run1`)) as { mediaType: string; layers: unknown[] };
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(manifest.layers.length, 1);
  });

  it('on a second run finds everything present with at most 2 requests per distinct image, and pushes an identical mapping image', async () => {
    resetCounts();
    const r = await runReimage([...baseArgs(), '-write-json-mappings-img', `${proxies.dst.host}/reimage/mappings:run2`], input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /9 images found, 6 distinct: 5 already present, 0 copied \(0 B\)/);
    assert.equal(r.stdout, helmStream(target));
    // Every request counts: the first one to each registry also learns its auth challenge (no /v2/ ping).
    const lookups = proxies.src.log.length + proxies.hub.log.length + proxies.dst.log.filter((e) => !e.path.startsWith('/v2/reimage/')).length;
    assert.ok(lookups <= 2 * 6, `${lookups} requests for 6 distinct images`);
    // Same mappings, same image: the digest of run2 is the digest of run1.
    assert.equal(sha(await inspectRaw(`${regs.dst.host}/reimage/mappings:run2`)), sha(await inspectRaw(`${regs.dst.host}/reimage/mappings:run1`)));
  });

  it('replays static mappings from the file and from the image, giving the same output', async () => {
    const mappingsFile = path.join(dir, 'mappings.json');
    const expected = helmStream(target);
    const fromFile = await runReimage(['-rules-config', rulesFile, '-static-json-mappings-file', mappingsFile], input, env);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout, expected);
    const fromImage = await runReimage(['-rules-config', rulesFile, '-static-json-mappings-img', `${proxies.dst.host}/reimage/mappings:run1`], input, env);
    assert.equal(fromImage.code, 0, fromImage.stderr);
    assert.equal(fromImage.stdout, expected);
  });

  it('works as a Helm 4 post-renderer plugin: REIMAGE_ARGS and --post-renderer-args pass through, annotations survive', async () => {
    const [rules, rulesValue, ...rest] = baseArgs();
    const r = await runReimage(rest, input, { ...env, REIMAGE_ARGS: `${rules} ${rulesValue}` }, HELM_WRAPPER);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helmStream(target));
    assert.match(r.stdout, /postrenderer\.helm\.sh\/postrender-filename: shop\/templates\/web\.yaml/);
  });

  it('-mappings-only reads no YAML, checks every mapped image, and prints nothing', async () => {
    const r = await runReimage(['-mappings-only', '-static-json-mappings-img', `${proxies.dst.host}/reimage/mappings:run1`], 'not: [valid yaml', env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /7 images found, 6 distinct: 5 already present/);
  });

  it('writes digest and tag@digest forms', async () => {
    const pin = (name: string) => `${target(name).replace(/:[0-9a-f]{64}$/, '')}@${digests.get(name)}`;
    const digestForm = await runReimage([...baseArgs(), '-rename-force-digest'], input, env);
    assert.equal(digestForm.stdout, helmStream(pin));
    const both = await runReimage([...baseArgs(), '-output-tag-and-digest'], input, env);
    assert.equal(both.stdout, helmStream((name) => `${target(name)}@${digests.get(name)}`));
  });

  it('without renaming, checks that every image exists and leaves the stream untouched', async () => {
    const r = await runReimage(['-rules-config', rulesFile, '-registry-mirror', `docker.io=${proxies.hub.host}`], input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, input);
    assert.match(r.stderr, /9 images found, 6 distinct: 6 already present, 0 copied/);
  });

  it('-dryrun copies nothing and writes no file, saying what it would do', async () => {
    resetCounts();
    const mappingsFile = path.join(dir, 'dry.json');
    const r = await runReimage(['-dryrun', '-rules-config', rulesFile, '-registry-mirror', `docker.io=${proxies.hub.host}`,
      '-rename-remote-path', `${proxies.dst.host}/dry`, '-write-json-mappings-file', mappingsFile,
      '-write-json-mappings-img', `${proxies.dst.host}/reimage/mappings:dry`], input, env);
    assert.equal(r.code, 0, r.stderr);
    const nginx = digests.get('nginx:1.27') as string;
    assert.ok(r.stderr.includes(`dry run: would copy docker.io/library/nginx@${nginx} to ${proxies.dst.host}/dry/index.docker.io/library/nginx:${hex(nginx)}\n`), r.stderr);
    assert.match(r.stderr, /dry run: would write 7 mappings to .*dry\.json/);
    assert.ok(r.stderr.includes(`dry run: would push 7 mappings as image ${proxies.dst.host}/reimage/mappings:dry\n`), r.stderr);
    assert.equal(r.stdout, helmStream((name) => target(name).replace(`${proxies.dst.host}/imported/`, `${proxies.dst.host}/dry/`)));
    assert.match(r.stderr, /5 would be copied/);
    await assert.rejects(stat(mappingsFile), /ENOENT/);
    assert.deepEqual(allProxies().flatMap((p) => p.log.filter((e) => !['GET', 'HEAD'].includes(e.method))), []);
  });

  it('-ignore leaves matching images alone: not looked up, not recorded, not rewritten', async () => {
    resetCounts();
    const mappingsFile = path.join(dir, 'ignore.json');
    const r = await runReimage([...baseArgs(), '-ignore', 'team/', '-write-json-mappings-file', mappingsFile], input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helmStream((name) => (name.startsWith('SRC/') ? sub(name) : target(name))));
    assert.match(r.stderr, /5 images found, 3 distinct/);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(mappingsFile, 'utf8')) as object).sort(),
      ['bitnami/redis:7.2', 'busybox:1.36', 'docker.io/library/nginx:1.27', 'nginx:1.27']);
    assert.deepEqual(proxies.src.log, []);
  });

  it('-rename-ignore keeps matching images as written, but still checks and records them', async () => {
    const mappingsFile = path.join(dir, 'rename-ignore.json');
    const args = [...baseArgs(), '-rename-ignore', 'team/', '-write-json-mappings-file', mappingsFile];
    const r = await runReimage(args, input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helmStream((name) => (name.startsWith('SRC/') ? sub(name) : target(name))));
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Record<string, { tag: string; digest: string }>;
    const noCheck = { Ignored: null, Accepted: null, Rejected: null };
    assert.deepEqual(mappings[sub('SRC/team/worker:2')], { tag: sub('SRC/team/worker:2'), digest: digests.get('SRC/team/worker:2'), vulncheckResult: noCheck });
    assert.deepEqual(mappings[sub('SRC/team/app@APP_DIGEST')], { tag: sub('SRC/team/app@APP_DIGEST'), digest: digests.get('SRC/team/app:1.0'), vulncheckResult: noCheck });

    const missing = await runReimage(args, input.replace(`${proxies.src.host}/team/worker:2`, `${proxies.src.host}/team/gone:1`), env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /team\/gone:1: image not found: .*team\/gone:1 does not exist\n\s+at Widget shop\/runner \(shop\/templates\/widget\.yaml, document 5\)/);
  });

  it('-no-copy rewrites the manifests but copies nothing, warning about each missing target', async () => {
    resetCounts();
    const r = await runReimage([...baseArgs().slice(0, -1), `${proxies.dst.host}/nocopy`, '-no-copy'], input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helmStream((name) => target(name).replace(`${proxies.dst.host}/imported/`, `${proxies.dst.host}/nocopy/`)));
    assert.equal(r.stderr.match(/-no-copy: not copying .* to .*\/nocopy\/.*, which does not exist/g)?.length, 5, r.stderr);
    assert.match(r.stderr, /0 copied \(0 B\), 5 not copied \(-no-copy\)/);
    assert.deepEqual(allProxies().flatMap((p) => p.log.filter((e) => !['GET', 'HEAD'].includes(e.method))), []);
  });

  it('copies from a source registry written as an IPv6 address with a port', async () => {
    const v6 = await startProxy(regs.src.host, { listen: '::1' });
    try {
      const written = `${v6.host}/team/worker:2`;
      const pod = `kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: "${written}"}\n`;
      const r = await runReimage(baseArgs(), pod, env);
      assert.equal(r.code, 0, r.stderr);
      const digest = digests.get('SRC/team/worker:2') as string;
      const port = v6.host.slice(v6.host.lastIndexOf(':') + 1);
      const renamed = `${proxies.dst.host}/imported/0_0_0_0_0_0_0_1_${port}/team/worker:${hex(digest)}`;
      assert.equal(r.stdout, pod.replace(written, renamed));
      assert.equal(sha(await inspectRaw(renamed.replace(proxies.dst.host, regs.dst.host))), digest);
    } finally {
      await v6.stop();
    }
  });

  it('shows a progress line on a terminal and clears it, keeping stdout clean', async () => {
    const inFile = path.join(dir, 'tty-in.yaml');
    const outFile = path.join(dir, 'tty-out.yaml');
    await writeFile(inFile, input);
    const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
    const command = [BIN, ...baseArgs()].map(quote).join(' ') + ` < ${quote(inFile)} > ${quote(outFile)}`;
    // util-linux script runs the command on a pseudo-terminal: its stderr is a TTY, as in a shell.
    const tty = await run('script', ['-qec', command, '/dev/null'], env);
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /\r\x1b\[Kreimage: checking 6\/6/);
    assert.match(tty.stdout, /\r\x1b\[Kreimage: copying 5\/5\r\x1b\[K/);
    assert.match(tty.stdout, /reimage: 9 images found, 6 distinct/);
    assert.equal(await readFile(outFile, 'utf8'), helmStream(target));
    // Without a terminal (every other test) there is no progress line.
    const piped = await runReimage(baseArgs(), input, env);
    assert.doesNotMatch(piped.stderr, /checking|\x1b/);
  });

  describe('failures: exit 1, every failing image named, nothing on stdout', () => {
    it('a missing image, with its document, object and path', async () => {
      const broken = input.replace(`image: ${proxies.src.host}/team/worker:2`, `image: ${proxies.src.host}/team/gone:1`)
        .replace('image: busybox:1.36', 'image: busybox:0.0-missing');
      const r = await runReimage(baseArgs(), broken, env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /2 of 6 images failed/);
      assert.match(r.stderr, /busybox:0\.0-missing: image not found: docker\.io\/library\/busybox:0\.0-missing does not exist\n\s+at Deployment shop\/web \(shop\/templates\/web\.yaml, document 0\) \$\.spec\.template\.spec\.initContainers\[0\]\.image/);
      assert.match(r.stderr, new RegExp(`team/gone:1: image not found: .*\\n\\s+at Widget shop/runner \\(shop/templates/widget\\.yaml, document 5\\) \\$\\.spec\\.runner\\.image`));
    });

    it('a bad template, at start-up, before any registry is asked', async () => {
      resetCounts();
      const r = await runReimage([...baseArgs(), '-rename-template', '{{ .RemotePath }}/{{ .Repo }}:{{ .DigestHex }}'], input, env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /unknown field \.Repo \(the fields are \.RemotePath/);
      assert.equal(allProxies().reduce((n, p) => n + p.log.length, 0), 0);
    });

    it('one image mapped to two targets', async () => {
      const file = path.join(dir, 'conflict.json');
      const d = digests.get('nginx:1.27');
      await writeFile(file, JSON.stringify({
        'nginx:1.27': { tag: `${proxies.dst.host}/a/nginx:1`, digest: d },
        'docker.io/library/nginx:1.27': { tag: `${proxies.dst.host}/b/nginx:1`, digest: d },
      }));
      const two = 'kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: "nginx:1.27"}\n  - {name: b, image: docker.io/library/nginx:1.27}\n';
      const r = await runReimage(['-static-json-mappings-file', file, '-verify-static-json-mappings=false'], two, env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /one image, two mappings: nginx:1\.27 and docker\.io\/library\/nginx:1\.27 are the same image .* but would map to both .*\/a\/nginx:1 and .*\/b\/nginx:1/);
    });

    it('two different images written to one target', async () => {
      const r = await runReimage([...baseArgs(), '-rename-template', '{{ .RemotePath }}/all:1'], input, env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /two images, one target: \S+ \(sha256:[0-9a-f]{64}\) and \S+ \(sha256:[0-9a-f]{64}\) would both be written to .*\/imported\/all:1/);
    });

    it('images the static mappings do not name, all of them', async () => {
      const file = path.join(dir, 'partial.json');
      await writeFile(file, JSON.stringify({ 'nginx:1.27': { tag: target('nginx:1.27'), digest: digests.get('nginx:1.27') } }));
      const r = await runReimage(['-rules-config', rulesFile, '-static-json-mappings-file', file], input, env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /5 of 6 images failed/);
      assert.match(r.stderr, /busybox:1\.36: busybox:1\.36 is not in the static mappings \(file .*partial\.json\)\n\s+at Deployment shop\/web \(shop\/templates\/web\.yaml, document 0\) \$\.spec\.template\.spec\.initContainers\[0\]\.image/);
      assert.match(r.stderr, /team\/worker:2 is not in the static mappings/);
    });

    it('refuses to overwrite a tag holding another image, unless -clobber', async () => {
      const template = '{{ .RemotePath }}/{{ .Repository }}:{{ .Tag }}';
      await pushTestImage(layout, 'oci', `${regs.dst.host}/clobber/library/busybox:1.36`, regs.dst, 'arm64');
      const pod = 'kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox:1.36}\n';
      const args = ['-registry-mirror', `docker.io=${proxies.hub.host}`, '-rename-remote-path', `${proxies.dst.host}/clobber`, '-rename-template', template];
      const refused = await runReimage(args, pod, env);
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /busybox:1\.36: refusing to overwrite .*\/clobber\/library\/busybox:1\.36: it holds sha256:[0-9a-f]{64}, not sha256:/);
      const clobbered = await runReimage([...args, '-clobber'], pod, env);
      assert.equal(clobbered.code, 0, clobbered.stderr);
      assert.equal(clobbered.stdout, pod.replace('busybox:1.36', `${proxies.dst.host}/clobber/library/busybox:1.36`));
      assert.equal(sha(await inspectRaw(`${regs.dst.host}/clobber/library/busybox:1.36`)), digests.get('busybox:1.36'));
    });

    it('a static mapping whose target moved', async () => {
      const file = path.join(dir, 'stale.json');
      await writeFile(file, JSON.stringify({ 'busybox:1.36': { tag: `${proxies.dst.host}/clobber/library/busybox:1.36`, digest: `sha256:${'0'.repeat(64)}` } }));
      const r = await runReimage(['-static-json-mappings-file', file], 'kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox:1.36}\n', env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /mapping for busybox:1\.36 has changed: .* was sha256:0{64}, is now sha256:/);
    });
  });
});
