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
const chart = readFileSync(path.join(root, 'examples/chart-output.yaml'), 'utf8');
const say = (text: string) => process.stdout.write(`${text}\n`);

const [upstream, yours, layout] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), buildTestLayout()]);
const work = mkdtempSync(path.join(tmpdir(), 'reimage-demo-'));
try {
  say(`upstream registry (stands in for docker.io and quay.io): ${upstream.host}`);
  say(`your registry:                                          ${yours.host}\n`);
  const seeds = { nginx: 'library/nginx:1.27', busybox: 'library/busybox:1.36', redis: 'bitnami/redis:7.2', exporter: 'prometheus/node-exporter:v1.8.2' };
  for (const [name, ref] of Object.entries(seeds)) {
    await addImage(layout, name, { layers: [4096] });
    await pushTestImage(layout, 'docker', `${upstream.host}/${ref}`, undefined, name);
  }

  const mappings = path.join(work, 'mappings.json');
  const args = [
    '-registry-mirror', `docker.io=${upstream.host}`, '-registry-mirror', `quay.io=${upstream.host}`,
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
