// Makes the single executable's code cache (see sea-main.cjs): runs the CLI bundle, compiled
// exactly as sea-main.cjs compiles it, and at the end writes V8's cache of every function compiled
// by then. Two runs in this one process: `-list-images` of the given stream, and a warm run of its
// images against a registry on loopback here that has every image (answers HEADs only). Run by
// scripts/build-sea.mjs with the Node.js the executable is made from (a cache is only valid for
// that V8), as: node sea-train.cjs <dist directory> <cache directory> <stream file>. It writes a
// cache for each script the runs compiled (reimage.cjs and those it loads on first use, see scripts/build.mjs).
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const { wrap } = require('node:module');
const vm = require('node:vm');

const path = require('node:path');

const [dist, cacheDir, streamFile] = process.argv.slice(2);
const bundle = path.join(dist, 'reimage.cjs');
/** Each script compiled so far, by name (as sea-main.cjs compiles it, from the same file). */
const scripts = new Map();
function compile(file) {
  const name = path.basename(file);
  if (!scripts.has(name)) scripts.set(name, new vm.Script(wrap(fs.readFileSync(path.join(dist, name), 'latin1')), { filename: name }));
  return scripts.get(name);
}
const trainerRequire = Object.assign((id) => (id === 'reimage:compile' ? compile : require(id)), require);
const digest = `sha256:${createHash('sha256').update('reimage training').digest('hex')}`;

const ANCHORED = `apiVersion: v1
kind: Pod
metadata:
  name: anchored
  labels: &labels {app: anchored}
spec:
  containers:
    - name: app
      image: nginx:1.27
`;
const PROMETHEUS = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: main
spec:
  image: quay.io/prometheus/prometheus:v2.53.0
`;

const registry = http.createServer((req, res) => {
  const found = req.method === 'HEAD' && /^\/v2\/.+\/manifests\/[^/]+$/.test(req.url ?? '');
  res.writeHead(found || req.url === '/v2/' ? 200 : 404, found ? {
    'docker-content-digest': digest, 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '500',
  } : {});
  res.end();
});

registry.listen(0, '127.0.0.1', () => {
  const host = `127.0.0.1:${registry.address().port}`;
  const stream = fs.readFileSync(streamFile, 'utf8');
  const runs = [
    { args: ['-list-images'], input: stream },
    { args: ['-rename-remote-path', `${host}/mirror`], input: stream.replace(/image: "?[^\s"]+"?/g, (_, i) => `image: ${host}/app/i${i}:1`) },
    // The lazy scripts of packages: a document for the full YAML parser (an anchor), one that a
    // built-in JSONPath rule reads, and a regexp that is not a plain string.
    { args: ['-list-images', '-ignore', '^docker\\.io/library/(busybox|nginx)[:@]'], input: `${stream}---\n${ANCHORED}---\n${PROMETHEUS}` },
  ];
  // Each run reads its input as stdin (descriptor 0, through fs.readSync) and ends with process.exit.
  const readSync = fs.readSync;
  let input = Buffer.alloc(0);
  fs.readSync = (fd, buffer, ...rest) => {
    if (fd !== 0) return readSync(fd, buffer, ...rest);
    const n = input.copy(buffer);
    input = input.subarray(n);
    return n;
  };
  const exit = process.exit;
  const next = (code) => {
    if (code !== 0 && code !== undefined) throw new Error(`training run ${JSON.stringify(runs[0]?.args)} exited ${code}`);
    const run = runs.shift();
    if (!run) {
      for (const [name, script] of scripts) fs.writeFileSync(path.join(cacheDir, name.replace(/\.cjs$/, '.cache')), script.createCachedData());
      return exit(0);
    }
    input = Buffer.from(run.input);
    process.argv = [process.argv[0], bundle, ...run.args];
    compile(bundle).runInThisContext()(module.exports, trainerRequire, module, bundle, dist);
  };
  process.exit = next;
  next(0);
});
