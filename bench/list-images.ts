/**
 * Throughput of `reimage -list-images` on a large Helm-style stream: 10,000 documents, about 5 MB.
 * Runs the built CLI (bin/reimage, so `npm run build` first) a few times and prints MB/s (wall
 * clock, process start included) and the child's peak RSS.
 *
 *   node --import tsx bench/list-images.ts [documents]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { manifestStream } from './manifest-stream.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = Number(process.argv[2] ?? 10_000);
const RUNS = 3;

function runOnce(input: string): Promise<{ ms: number; maxRssKb: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [`${root}bin/reimage`, '-list-images', '-output', 'json'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) lines++;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`reimage exited ${code}`));
      // resourceUsage of children: ru_maxrss of the largest child waited for, in kB on Linux.
      else resolve({ ms, maxRssKb: process.resourceUsage().maxRSS, lines });
    });
    child.stdin.end(input);
  });
}

const input = manifestStream(documents);
const mb = Buffer.byteLength(input) / 1e6;
console.log(`stream: ${documents} documents, ${mb.toFixed(2)} MB`);
let best = Infinity;
for (let run = 1; run <= RUNS; run++) {
  const { ms, lines } = await runOnce(input);
  best = Math.min(best, ms);
  console.log(`run ${run}: ${ms.toFixed(0)} ms, ${(mb / (ms / 1000)).toFixed(1)} MB/s, ${lines} images listed`);
}
const childRss = process.resourceUsage();
console.log(`best: ${(mb / (best / 1000)).toFixed(1)} MB/s (target >= 20)`);
console.log(`peak RSS (largest of this process and its children): ${(childRss.maxRSS / 1024).toFixed(0)} MB (target < 300)`);
