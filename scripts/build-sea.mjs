// `npm run build:sea` (after `npm run build`): dist/reimage-linux-x64, a Node.js single executable
// application made from the pinned official Node.js 24 binary, with postject. Its main script is
// scripts/sea-main.cjs, which runs the CLI bundle (dist/reimage.cjs and the scripts it loads on
// first use, by scripts/build.mjs) with V8 code caches made here by training runs of that same binary (a cache is only valid for the V8
// that made it): a `-list-images` of a small Helm-style stream, a warm run of its images, and a
// `-list-images` that needs the full YAML parser, JSONPath and re2js.
//
// A V8 start-up snapshot (sea-config `useSnapshot`) was measured and left out: -list-images took
// 44.0 ms CPU with it against 42.6 without, a warm run 91.8 against 88.4 (Node.js 24, shared machine).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pinnedNode } from './pinned-node.mjs';

const root = new URL('..', import.meta.url).pathname;
const seaDir = `${root}dist/sea/`;
const output = `${root}dist/reimage-linux-x64`;
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

/** What the training run reads: the kinds of document a Helm chart renders, a few images each. */
const TRAINING_STREAM = `# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  template:
    spec:
      initContainers:
        - name: init
          image: "registry.example.com/tools/init:1.2"
      containers:
        - name: web
          image: registry.example.com/team/web:1.0.0
          args: ["--listen=:8080", '--log=json']
          ports:
            - containerPort: 8080
        - name: proxy
          image: envoyproxy/envoy@sha256:${'0'.repeat(64)}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  image: not/an-image-field:1
`;

const node = pinnedNode(24);
mkdirSync(seaDir, { recursive: true });
writeFileSync(`${seaDir}training.yaml`, TRAINING_STREAM);
// Quiet unless it fails (execFileSync's error then carries its stderr).
/** The CLI's scripts (see scripts/build.mjs), each with the cache its training made. */
const scripts = readdirSync(`${root}dist`).filter((f) => /^reimage.*\.cjs$/.test(f)).map((f) => f.replace(/\.cjs$/, ''));
for (const name of scripts) rmSync(`${seaDir}${name}.cache`, { force: true });
execFileSync(node, [`${root}scripts/sea-train.cjs`, `${root}dist`, seaDir, `${seaDir}training.yaml`], {
  cwd: root, stdio: ['ignore', 'ignore', 'pipe'],
});
writeFileSync(`${seaDir}sea-config.json`, JSON.stringify({
  main: `${root}scripts/sea-main.cjs`,
  output: `${seaDir}reimage.blob`,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: Object.fromEntries(scripts.flatMap((name) => {
    if (!existsSync(`${seaDir}${name}.cache`)) throw new Error(`the training runs (scripts/sea-train.cjs) never loaded dist/${name}.cjs`);
    return [[`${name}.cjs`, `${root}dist/${name}.cjs`], [`${name}.cache`, `${seaDir}${name}.cache`]];
  })),
}));
run(node, ['--experimental-sea-config', `${seaDir}sea-config.json`]);

// Made beside its final name and renamed over it: tests may be running the previous one.
const partial = `${seaDir}reimage-linux-x64.partial`;
rmSync(partial, { force: true });
copyFileSync(node, partial);
chmodSync(partial, 0o755);
run(process.execPath, [
  `${root}node_modules/postject/dist/cli.js`, partial, 'NODE_SEA_BLOB', `${seaDir}reimage.blob`,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
]);
renameSync(partial, output);
console.log(`${output}: ${(statSync(output).size / 1e6).toFixed(1)} MB`);
