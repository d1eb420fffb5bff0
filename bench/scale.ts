/**
 * Scaling: `-mappings-only` mirroring of 250, 500, 1,000 and 2,000 distinct small images (a config
 * and a 1 KiB layer each) into a fresh registry, through a counting proxy. Prints wall time, peak
 * RSS of the reimage process (GNU time's maximum resident set size) and requests, medians over
 * the rounds, and the cost per image between the smallest and the largest run.
 *
 * Peak RSS also counts garbage not yet collected (V8 lets the heap grow well past what is live
 * before a full collection), so each size runs once more with a preload that forces a full
 * collection every 250 ms and keeps the largest heap left after one: the live heap, i.e. what the
 * run actually holds. Its growth per added image is the per-image memory.
 *
 *   npm run build && node --import tsx bench/scale.ts [rounds] [sizes, e.g. 250,500,1000,2000]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startProxy } from '../test/harness/proxy.js';
import { startRegistry } from '../test/harness/registries.js';
import { pushSmallCorpus } from './corpus.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const SIZES = (process.argv[3] ?? '250,500,1000,2000').split(',').map(Number);
const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(path.join(tmpdir(), 'reimage-bench-scale-'));
/** Preload (node --expose-gc -r): the largest heap left after a full collection, printed at exit. */
const LIVE_HEAP_PRELOAD = `let live = 0;
const probe = () => { globalThis.gc(); live = Math.max(live, process.memoryUsage().heapUsed); };
setInterval(probe, 250).unref();
process.on('exit', () => { probe(); process.stderr.write('liveheap=' + live + '\\n'); });
`;
const preload = path.join(work, 'live-heap.cjs');
await writeFile(preload, LIVE_HEAP_PRELOAD);
const src = await startRegistry('anonymous');
const srcProxy = await startProxy(src.host);
try {
  const largest = Math.max(...SIZES);
  process.stderr.write(`pushing ${largest} small images…\n`);
  const corpus = await pushSmallCorpus(src.host, { count: largest });
  const repos = [...corpus.images.keys()];
  console.log(`-mappings-only mirroring of N distinct small images into an empty registry; ${ROUNDS} rounds, medians; the machine may be shared\n`);
  console.log('images   wall s   peak RSS MiB   live heap MiB   requests   requests/image');
  const rows: { n: number; s: number; rssKiB: number; liveKiB: number; requests: number }[] = [];
  for (const n of SIZES) {
    const m = { s: [] as number[], rssKiB: [] as number[], liveKiB: [] as number[], requests: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const probeHeap of [false, true]) {
        const dst = await startRegistry('anonymous');
        const dstProxy = await startProxy(dst.host);
        try {
          const mappings = Object.fromEntries(repos.slice(0, n).map((repo) => [`${srcProxy.host}/${repo}:v1`, { tag: `${dstProxy.host}/mirror/${repo}:v1`, digest: corpus.images.get(repo)! }]));
          const file = path.join(work, 'mappings.json');
          await writeFile(file, JSON.stringify(mappings));
          srcProxy.reset();
          const node = probeHeap ? [process.execPath, '--expose-gc', '-r', preload] : [process.execPath];
          const started = performance.now();
          const { stderr } = await run('/usr/bin/time', ['-f', 'maxrss=%M', ...node, `${root}bin/reimage`, '-mappings-only', '-static-json-mappings-file', file, '-verify-static-json-mappings=false'], { maxBuffer: 64 << 20 });
          if (probeHeap) {
            // Forced collections slow the run down: only its heap figure is kept.
            m.liveKiB.push(Number(/liveheap=(\d+)/.exec(stderr)?.[1]) / 1024);
            continue;
          }
          m.s.push((performance.now() - started) / 1000);
          m.rssKiB.push(Number(/maxrss=(\d+)/.exec(stderr)?.[1]));
          m.requests.push([srcProxy, dstProxy].reduce((t, p) => t + Object.values(p.requests).reduce((a, b) => a + b, 0), 0));
        } finally {
          await dstProxy.stop();
          await dst.stop();
        }
      }
    }
    const row = { n, s: median(m.s), rssKiB: median(m.rssKiB), liveKiB: median(m.liveKiB), requests: median(m.requests) };
    rows.push(row);
    console.log(`${String(n).padStart(6)} ${row.s.toFixed(2).padStart(8)} ${(row.rssKiB / 1024).toFixed(1).padStart(14)} ${(row.liveKiB / 1024).toFixed(1).padStart(15)} ${String(row.requests).padStart(10)} ${(row.requests / n).toFixed(2).padStart(16)}`);
  }
  const [first, last] = [rows[0]!, rows[rows.length - 1]!];
  if (last.n > first.n) {
    const per = (x: number) => x / (last.n - first.n);
    console.log(`\nfrom ${first.n} to ${last.n} images: ${(per(last.s - first.s) * 1000).toFixed(2)} ms, ${per(last.rssKiB - first.rssKiB).toFixed(2)} KiB peak RSS, ${per(last.liveKiB - first.liveKiB).toFixed(2)} KiB live heap and ${per(last.requests - first.requests).toFixed(2)} requests per added image`);
  }
} finally {
  await srcProxy.stop();
  await src.stop();
  await rm(work, { recursive: true, force: true });
}
