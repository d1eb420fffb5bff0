/**
 * The demo behind `npm run demo`: throwaway registries from the test harness stand in for Docker
 * Hub and quay.io ("upstream") and for your own registry; reimage copies the chart's images into
 * yours and rewrites the manifests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addImage, buildTestLayout, pushTestImage } from '../test/harness/images.js';
import { startRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const chartFile = readFileSync(path.join(root, 'examples/chart-output.yaml'), 'utf8');
const say = (text: string) => process.stdout.write(`${text}\n`);

const [upstream, yours, layout] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), buildTestLayout()]);
const work = mkdtempSync(path.join(tmpdir(), 'reimage-demo-'));
try {
  say(`upstream registry (stands in for docker.io, ghcr.io and quay.io): ${upstream.host}`);
  say(`your registry:                                                  ${yours.host}\n`);
  // Every image of the chart, on the upstream registry under its repository path.
  const seeds = [
    'example/shop-migrations:2.4.1', 'example/shop:2.4.1', 'library/nginx:1.27-alpine', 'bitnami/redis:7.2.5-debian-12-r2',
    'bitnami/redis-exporter:1.62.0', 'example/node-agent:pinned', 'example/shop-tools:2.4.1', 'library/busybox:latest',
    'prometheus/prometheus:v2.53.0',
  ];
  const digests = new Map<string, string>();
  for (const [i, ref] of seeds.entries()) {
    await addImage(layout, `image-${i}`, { layers: [4096] });
    digests.set(ref, await pushTestImage(layout, 'docker', `${upstream.host}/${ref}`, undefined, `image-${i}`));
  }
  // The chart pins node-agent by a digest nobody can rebuild; pin it to the seeded one instead.
  const chart = chartFile.replace(/example\/node-agent@sha256:[0-9a-f]{64}/, `example/node-agent@${digests.get('example/node-agent:pinned')}`);

  const mappings = path.join(work, 'mappings.json');
  const args = [
    ...['docker.io', 'ghcr.io', 'quay.io'].flatMap((r) => ['-registry-mirror', `${r}=${upstream.host}`]),
    '-rename-remote-path', `${yours.host}/imported`, '-write-json-mappings-file', mappings,
  ];
  const reimage = (extra: string[] = []) => execFileSync(path.join(root, 'bin/reimage'), [...args, ...extra], {
    input: chart, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'],
  });
  say(`$ reimage ${args.join(' ')} < examples/chart-output.yaml`);
  const output = reimage();
  const images = (text: string) => [...text.matchAll(/^\s*image: (.*)$/gm)].map((m) => m[1] ?? '');
  say('\nimages before → after:');
  const after = images(output);
  images(chart).forEach((before, i) => say(`  ${before}\n    → ${after[i]}`));
  say(`\nmappings file ${mappings}:`);
  say(JSON.stringify(JSON.parse(readFileSync(mappings, 'utf8')), null, 2));
  say('\nrunning again: everything is present now, nothing is copied');
  reimage();
  say('\nand with -rename-force-digest the manifests pin digests:');
  say(`  ${images(reimage(['-rename-force-digest']))[0]}`);
} finally {
  await Promise.all([upstream.stop(), yours.stop(), layout.remove()]);
  rmSync(work, { recursive: true, force: true });
}
