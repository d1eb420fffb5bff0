/**
 * Throughput of `reimage -list-images` on a large Helm-style stream: 10,000 documents, about 5 MB.
 * Runs the built CLI (bin/reimage, so `npm run build` first) a few times and prints MB/s (wall
 * clock, process start included) and the child's peak RSS; then the same with a suspect (an image
 * in an argument) in every workload, and that stream with -suspects=ignore.
 *
 *   node --import tsx bench/list-images.ts [documents]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestStream } from './manifest-stream.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = Number(process.argv[2] ?? 10_000);
const RUNS = 3;

/** GNU time reports the child's own peak RSS (kB) on stderr; without it, RSS is not measured. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function runOnce(input: string, extra: readonly string[] = []): Promise<{ ms: number; maxRssKb: number | undefined; lines: number }> {
  return new Promise((resolve, reject) => {
    const cli = [process.execPath, `${root}bin/reimage`, '-list-images', '-output', 'json', ...extra];
    const [command, ...args] = GNU_TIME ? [GNU_TIME, '-f', 'maxrss=%M', ...cli] : cli;
    const started = performance.now();
    const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      // indexOf, not a loop over bytes: the parent must drain the pipe as fast as the child fills it.
      for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) lines++;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`reimage exited ${code}: ${stderr}`));
      const rss = /maxrss=(\d+)/.exec(stderr)?.[1];
      resolve({ ms, maxRssKb: rss === undefined ? undefined : Number(rss), lines });
    });
    child.stdin.end(input);
  });
}

const input = manifestStream(documents);
const mb = Buffer.byteLength(input) / 1e6;
console.log(`stream: ${documents} documents, ${mb.toFixed(2)} MB`);
let best = Infinity;
let peakKb = 0;
for (let run = 1; run <= RUNS; run++) {
  const { ms, maxRssKb, lines } = await runOnce(input);
  best = Math.min(best, ms);
  peakKb = Math.max(peakKb, maxRssKb ?? 0);
  const rss = maxRssKb === undefined ? '' : `, peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`;
  console.log(`run ${run}: ${ms.toFixed(0)} ms, ${(mb / (ms / 1000)).toFixed(1)} MB/s${rss}, ${lines} images listed`);
}
console.log(`best: ${(mb / (best / 1000)).toFixed(1)} MB/s (target >= 20), wall clock including process start`);
console.log(GNU_TIME ? `peak RSS: ${(peakKb / 1024).toFixed(0)} MB (target < 300)` : 'peak RSS: not measured (no /usr/bin/time: run scripts/install-system-deps.sh as root)');

for (const [label, extra] of [['a suspect in every workload', []], ['the same, -suspects=ignore', ['-suspects=ignore']]] as const) {
  const withSuspects = manifestStream(documents, { suspects: true });
  const size = Buffer.byteLength(withSuspects) / 1e6;
  let fastest = Infinity;
  let lines = 0;
  for (let run = 1; run <= RUNS; run++) {
    const r = await runOnce(withSuspects, extra);
    fastest = Math.min(fastest, r.ms);
    lines = r.lines;
  }
  console.log(`${label}: best ${(size / (fastest / 1000)).toFixed(1)} MB/s (${fastest.toFixed(0)} ms, ${lines} lines listed)`);
}
