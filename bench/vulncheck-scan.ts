/**
 * Wall time of the vulnerability gate over many images with a fake scanner printing a published
 * trivy report: shows the process-spawn cost per image and the effect of -vulncheck-workers.
 * Run: node --import tsx bench/vulncheck-scan.ts [images=24]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../src/cli/flags.js';
import { FLAGS } from '../src/cli/options.js';
import { silentLogger } from '../src/log.js';
import { checkImages, vulncheckConfigFromFlags } from '../src/vulncheck/index.js';

const count = Number(process.argv[2] ?? 24);
const fake = fileURLToPath(new URL('../test/vulncheck/fake-scanner.mjs', import.meta.url));
const report = fileURLToPath(new URL('../test/fixtures/vulncheck/scanners/trivy/debian-buster.json', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'reimage-bench-'));
try {
  const cfg = join(dir, 'scanner.json');
  await writeFile(cfg, JSON.stringify({ reportFile: report }));
  const images = Array.from({ length: count }, (_, i) => `127.0.0.1:5000/bench/app-${i}@sha256:${i.toString(16).padStart(64, '0')}`);
  for (const workers of [1, 2, 4]) {
    const args = ['-vulncheck-max-cvss', '11', '-vulncheck-workers', String(workers), '-vulncheck-command', `'${process.execPath}' '${fake}' '${cfg}'`];
    const config = vulncheckConfigFromFlags(parseFlags(FLAGS, args).values, silentLogger);
    const start = performance.now();
    const verdict = await checkImages(images, config);
    const ms = performance.now() - start;
    if (!verdict.passed || verdict.images.length !== count) throw new Error('unexpected verdict');
    console.log(`${count} images, ${workers} worker(s): ${ms.toFixed(0)} ms (${(ms / count).toFixed(1)} ms/image)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
