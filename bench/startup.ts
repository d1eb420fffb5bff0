/**
 * Start-up and exit: how long a small reimage run takes as a whole process, beside `node -e 0` on
 * the same Node.js in the same run. Commands run in turn, round after round (so drift in the
 * machine's speed hits them all alike), and each figure is the median over the rounds.
 *
 *   - `-list-images` on a 10-document Helm-style stream;
 *   - a warm run: 10 distinct images, all already copied into the target registry (two local
 *     registries), so the run only checks them;
 *   - the same two runs by the single executable (dist/reimage-linux-x64, if built), beside
 *     `node dist/…` and `node -e 0` on the pinned Node.js 24 it is made from.
 *
 * bin/reimage keeps a code cache learned from its first successful runs (in $XDG_CACHE_HOME,
 * here a fresh directory of this bench): the warm-up rounds before the measured ones let it learn.
 *
 *   npm run build:sea && node --import tsx bench/startup.ts [rounds]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { startRegistry, type TestRegistry } from '../test/harness/registries.js';
import { manifestStream } from './manifest-stream.js';
// @ts-expect-error plain JavaScript build script, no types
import { pinnedNode } from '../scripts/pinned-node.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 15);
const IMAGES = 10;
const SEA = `${root}dist/reimage-linux-x64`;
const BIN = `${root}bin/reimage`;

interface Command { label: string; argv: string[]; stdin: string }

interface Times { wall: number; cpu: number }

/**
 * Wall and CPU time (user + system, from bash's `time`, to the millisecond) of one whole run, from
 * spawn until it has exited and its output is read, with stdin, stdout and stderr on pipes as
 * under Helm or in a shell pipe; fails on a non-zero exit. CPU time is the steadier figure on a
 * busy machine.
 */
function timeRun({ argv, stdin }: Command): Promise<Times> {
  const input = readFileSync(stdin);
  const cpuFile = `${work}/cpu`;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // The command's stderr goes to fd 3 (the pipe); only time's report goes to the file.
    const timed = 'TIMEFORMAT="%3U %3S"; { time "$@" 2>&3 ; } 3>&2 2>"$CPU_FILE"';
    const child = spawn('bash', ['-c', timed, 'bash', ...argv], { stdio: 'pipe', env: { ...process.env, CPU_FILE: cpuFile, XDG_CACHE_HOME: `${work}/cache` } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`));
      const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
      resolve({ wall, cpu: (user! + sys!) * 1000 });
    });
    child.stdin.end(input);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function seed(registry: TestRegistry): Promise<string[]> {
  const client = new RegistryClient({ concurrency: 8 });
  return Promise.all(Array.from({ length: IMAGES }, async (_, i) => {
    const ref = `${registry.host}/bench/app-${i}:1.${i}`;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: randomBytes(8).toString('hex') }));
    await client.pushImage(parseReference(ref), {
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: gzipSync(randomBytes(2048)) }],
    });
    return ref;
  }));
}

const work = mkdtempSync(`${tmpdir()}/reimage-bench-startup-`);
const [src, dst] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
try {
  const listInput = `${work}/list.yaml`;
  writeFileSync(listInput, manifestStream(10));
  const images = await seed(src);
  const warmInput = `${work}/warm.yaml`;
  writeFileSync(warmInput, images.map((image, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`).join('---\n'));
  const warmArgs = ['-rename-remote-path', `${dst.host}/imported`];
  const empty = `${work}/empty`;
  writeFileSync(empty, '');

  // One group per Node.js: the one running this script, and the pinned 24 the single executable is made from.
  const node24 = pinnedNode(24) as string;
  const groups: { node: string; commands: Command[] }[] = [];
  for (const node of new Set([process.execPath, ...(existsSync(SEA) ? [node24] : [])])) {
    const commands: Command[] = [
      { label: 'node -e 0', argv: [node, '-e', '0'], stdin: empty },
      { label: 'node bin/reimage -list-images', argv: [node, BIN, '-list-images'], stdin: listInput },
      { label: 'node bin/reimage, warm run', argv: [node, BIN, ...warmArgs], stdin: warmInput },
    ];
    if (node === node24 && existsSync(SEA)) {
      commands.push(
        { label: 'reimage-linux-x64 -list-images', argv: [SEA, '-list-images'], stdin: listInput },
        { label: 'reimage-linux-x64, warm run', argv: [SEA, ...warmArgs], stdin: warmInput },
      );
    }
    groups.push({ node, commands });
  }
  const all = groups.flatMap((g) => g.commands);
  // The first warm run copies the images; every later one finds them all present. Two rounds
  // before measuring: bin/reimage's code cache learns from its first three successful runs.
  for (let round = 0; round < 2; round++) for (const command of all) await timeRun(command);
  const times = new Map<Command, Times[]>(all.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) for (const command of all) times.get(command)!.push(await timeRun(command));
  const wall = (c: Command) => median(times.get(c)!.map((t) => t.wall));
  const cpu = (c: Command) => median(times.get(c)!.map((t) => t.cpu));

  console.log(`start-up and exit, medians of ${ROUNDS} runs (10-document stream; warm run: ${IMAGES} distinct images, all present, 2 local registries)\n`);
  for (const { node, commands } of groups) {
    const version = (await new Promise<string>((resolve) => {
      const child = spawn(node, ['-v']);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out.trim()));
    }));
    const base = commands[0]!;
    console.log(`Node.js ${version}                      wall ms  vs node -e 0    CPU ms  vs node -e 0`);
    for (const command of commands) {
      const vs = (f: (c: Command) => number) => (command === base ? '' : `${(f(command) / f(base)).toFixed(2)}x +${(f(command) - f(base)).toFixed(0)}`);
      console.log(`  ${command.label.padEnd(34)} ${wall(command).toFixed(0).padStart(5)}  ${vs(wall).padEnd(13)} ${cpu(command).toFixed(0).padStart(5)}  ${vs(cpu)}`);
    }
    const by = (label: string) => commands.find((c) => c.label === label)!;
    const list = by('node bin/reimage -list-images');
    const warm = by('node bin/reimage, warm run');
    console.log(`  goals: -list-images <= 1.3x node -e 0: ${(wall(list) / wall(base)).toFixed(2)}x wall, ${(cpu(list) / cpu(base)).toFixed(2)}x CPU;` +
      ` warm run <= node -e 0 + 60 ms: +${(wall(warm) - wall(base)).toFixed(0)} ms wall, +${(cpu(warm) - cpu(base)).toFixed(0)} ms CPU`);
    if (commands.length > 3) {
      const ratio = (a: Command, b: Command) => `${(wall(a) / wall(b)).toFixed(2)}x wall, ${(cpu(a) / cpu(b)).toFixed(2)}x CPU`;
      console.log(`  single executable / node bin/reimage: -list-images ${ratio(by('reimage-linux-x64 -list-images'), list)}; warm run ${ratio(by('reimage-linux-x64, warm run'), warm)}`);
      console.log(`  single executable size: ${(statSync(SEA).size / 1e6).toFixed(1)} MB`);
    }
    console.log('');
  }
} finally {
  await Promise.all([src.stop(), dst.stop()]);
  rmSync(work, { recursive: true, force: true });
}
