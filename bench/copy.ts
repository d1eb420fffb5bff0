/**
 * Copy benchmark, reimage beside skopeo in the same run, on two corpora pushed into a local
 * registry (bench/corpus.ts):
 *   distinct: 20 multi-arch images (2 platforms × 4 layers of 384 KiB), nothing shared;
 *   shared:   20 images over 3 base-layer sets (3 × 1 MiB each) plus a 256 KiB layer of their own.
 * reimage runs as users run it, the built CLI with -mappings-only over a mappings file naming
 * every image; skopeo runs `skopeo copy --all`, 4 processes at a time. Each round copies into
 * fresh, empty target registries (so neither tool's caches help), alternating which tool goes
 * first; medians over the rounds. Then the same with a busy-loop process keeping one core busy.
 * One more round through counting proxies gives requests and bytes uploaded. Beside wall time,
 * CPU seconds: the tool's (its processes, user + system) and the two registries' (from /proc), so
 * a reader can see how much of a copy is the registries' own work, which no client can remove.
 *
 *   npm run build && node --import tsx bench/copy.ts [rounds] [concurrency]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startProxy } from '../test/harness/proxy.js';
import { startRegistry, type TestRegistry } from '../test/harness/registries.js';
import { pushDistinctCorpus, pushSharedCorpus, type Corpus } from './corpus.js';
import { childrenCpuSeconds, processCpuSeconds } from './proc-cpu.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const CONCURRENCY = process.argv[3];
const SKOPEO_PARALLEL = 4;
const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const work = await mkdtemp(path.join(tmpdir(), 'reimage-bench-copy-'));

/** reimage -mappings-only over a mappings file mapping every image of `corpus` at `src` to `dst`. */
async function reimageCopy(corpus: Corpus, src: string, dst: string): Promise<void> {
  const mappings = Object.fromEntries([...corpus.images].map(([repo, digest]) => [`${src}/${repo}:v1`, { tag: `${dst}/${repo}:v1`, digest }]));
  const file = path.join(work, `mappings-${dst.replace(/\W/g, '_')}.json`);
  await writeFile(file, JSON.stringify(mappings));
  const args = ['-mappings-only', '-static-json-mappings-file', file, '-verify-static-json-mappings=false', ...(CONCURRENCY ? ['-registry-concurrency', CONCURRENCY] : [])];
  await run(process.execPath, [`${root}bin/reimage`, ...args], { maxBuffer: 16 << 20 });
}

async function skopeoCopy(corpus: Corpus, src: string, dst: string): Promise<void> {
  const queue = [...corpus.images];
  await Promise.all(Array.from({ length: SKOPEO_PARALLEL }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const [repo, digest] = item;
      await run('skopeo', ['copy', '-q', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}/${repo}@${digest}`, `docker://${dst}/${repo}:v1`]);
    }
  }));
}

type Tool = 'reimage' | 'skopeo';
const copiers: Record<Tool, typeof reimageCopy> = { reimage: reimageCopy, skopeo: skopeoCopy };

/** CPU seconds (user + system) so far of the docker-registry serving from `registry.dir`. */
async function registryCpu(registry: TestRegistry): Promise<number> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('docker-registry') && cmdline.includes(registry.dir)) return processCpuSeconds(Number(pid));
  }
  throw new Error(`no docker-registry process for ${registry.dir}`);
}

interface Timing { wall: number; toolCpu: number; registryCpu: number }

async function timed(registries: readonly TestRegistry[], task: () => Promise<void>): Promise<Timing> {
  const cpu = async () => (await Promise.all(registries.map(registryCpu))).reduce((a, b) => a + b, 0);
  const [tool0, reg0] = [await childrenCpuSeconds(), await cpu()];
  const start = performance.now();
  await task();
  const wall = (performance.now() - start) / 1000;
  return { wall, toolCpu: (await childrenCpuSeconds()) - tool0, registryCpu: (await cpu()) - reg0 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Run = `${Tool} ${'cold' | 'again'}`;

/** Rounds of cold copies (and a re-copy) into fresh registries; medians in seconds. */
async function rounds(corpus: Corpus, src: TestRegistry) {
  const times: Record<Run, Timing[]> = { 'reimage cold': [], 'skopeo cold': [], 'reimage again': [], 'skopeo again': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: Tool[] = r % 2 === 0 ? ['reimage', 'skopeo'] : ['skopeo', 'reimage'];
    for (const tool of order) {
      const dst = await startRegistry('anonymous');
      try {
        times[`${tool} cold`].push(await timed([src, dst], () => copiers[tool](corpus, src.host, dst.host)));
        times[`${tool} again`].push(await timed([src, dst], () => copiers[tool](corpus, src.host, dst.host)));
      } finally {
        await dst.stop();
      }
    }
  }
  const medians = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), toolCpu: median(ts.map((t) => t.toolCpu)), registryCpu: median(ts.map((t) => t.registryCpu)) });
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, medians(v)])) as Record<Run, Timing>;
}

/** One cold copy per tool through counting proxies: requests and bytes uploaded. */
async function counted(corpus: Corpus, src: TestRegistry) {
  const out: Partial<Record<Tool, { requests: number; byMethod: Record<string, number>; uploaded: number }>> = {};
  for (const tool of ['reimage', 'skopeo'] as const) {
    const dst = await startRegistry('anonymous');
    const [srcP, dstP] = await Promise.all([startProxy(src.host), startProxy(dst.host)]);
    try {
      await copiers[tool](corpus, srcP.host, dstP.host);
      const byMethod: Record<string, number> = {};
      for (const p of [srcP, dstP]) for (const [m, n] of Object.entries(p.requests)) byMethod[m] = (byMethod[m] ?? 0) + n;
      out[tool] = { requests: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod, uploaded: dstP.bytesReceived };
    } finally {
      await Promise.all([srcP.stop(), dstP.stop()]);
      await dst.stop();
    }
  }
  return out as Record<Tool, { requests: number; byMethod: Record<string, number>; uploaded: number }>;
}

/** A process spinning on one core for the duration of `task`. */
async function withBusyCore<T>(task: () => Promise<T>): Promise<T> {
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    return await task();
  } finally {
    busy.kill('SIGKILL');
  }
}

const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
const src = await startRegistry('anonymous');
try {
  process.stderr.write('pushing the corpora…\n');
  const corpora: [string, Corpus][] = [
    ['distinct', await pushDistinctCorpus(src.host, { count: 20, layers: 4, layerBytes: 384 << 10 })],
    ['shared', await pushSharedCorpus(src.host, { count: 20, bases: 3, baseLayers: 3, baseBytes: 1 << 20, ownBytes: 256 << 10 })],
  ];
  console.log(`copy benchmark: ${ROUNDS} rounds, medians; reimage -registry-concurrency ${CONCURRENCY ?? 'default'}, skopeo ${SKOPEO_PARALLEL} processes at a time\n`);
  console.log('corpus    load   reimage cold  skopeo cold  reimage/skopeo   reimage again  skopeo again');
  const cpuRows: string[] = [];
  for (const [name, corpus] of corpora) {
    for (const load of ['idle', 'busy'] as const) {
      const m = load === 'idle' ? await rounds(corpus, src) : await withBusyCore(() => rounds(corpus, src));
      console.log(`${name.padEnd(9)} ${load.padEnd(5)} ${m['reimage cold'].wall.toFixed(2).padStart(10)} s ${m['skopeo cold'].wall.toFixed(2).padStart(10)} s ${(m['reimage cold'].wall / m['skopeo cold'].wall).toFixed(2).padStart(13)}× ${m['reimage again'].wall.toFixed(2).padStart(12)} s ${m['skopeo again'].wall.toFixed(2).padStart(11)} s`);
      for (const tool of ['reimage', 'skopeo'] as const) {
        const t = m[`${tool} cold`];
        cpuRows.push(`${name.padEnd(9)} ${load.padEnd(5)} ${tool.padEnd(8)} ${t.wall.toFixed(2).padStart(7)} s ${t.toolCpu.toFixed(2).padStart(9)} s ${t.registryCpu.toFixed(2).padStart(13)} s`);
      }
    }
  }
  console.log('\ncold copies, CPU seconds (user + system, medians): the tool\'s processes, and both registries together');
  console.log('corpus    load  tool        wall    tool CPU  registries CPU');
  for (const row of cpuRows) console.log(row);
  console.log('\ncorpus    tool     requests  uploaded     unique bytes  requests by method');
  for (const [name, corpus] of corpora) {
    const c = await counted(corpus, src);
    for (const tool of ['reimage', 'skopeo'] as const) {
      console.log(`${name.padEnd(9)} ${tool.padEnd(8)} ${String(c[tool].requests).padStart(8)}  ${mib(c[tool].uploaded).padStart(9)}  ${mib(corpus.uniqueBytes).padStart(9)}     ${JSON.stringify(Object.fromEntries(Object.entries(c[tool].byMethod).sort()))}`);
    }
  }
} finally {
  await src.stop();
  await rm(work, { recursive: true, force: true });
}
