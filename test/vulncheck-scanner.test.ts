/**
 * Scanner processes: the default `trivy` command found on PATH, crashes and garbage output are
 * errors that show command, exit code and stderr, a timeout kills the scanner and its children,
 * and no more than -vulncheck-workers scanners run at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { checkImages, formatVulncheckReport, type ImageVerdict } from '../src/vulncheck/index.js';
import { SCANNER_STDOUT_LIMIT } from '../src/vulncheck/scanner-process.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs, digestRef, fakeScannerCommand, fakeScannerOnPath, fixture, recordedArgv, type FakeScannerConfig } from './vulncheck/harness.js';

const IMAGE = digestRef('team/app');
const RUN_GATE = fileURLToPath(new URL('./vulncheck/run-gate.ts', import.meta.url));

async function runFake(cfg: FakeScannerConfig, extra: string[] = []): Promise<ImageVerdict> {
  const dir = await tempDir();
  const config = configFromArgs(['-vulncheck-max-cvss', '7', '-vulncheck-command', await fakeScannerCommand(dir, cfg), ...extra]);
  const verdict = await checkImages([IMAGE], config);
  assert.equal(verdict.passed, false);
  return verdict.images[0]!;
}

/** Waits (boundedly) for each process to be gone; fails naming any that is still running. */
async function assertGone(pids: Record<string, number>): Promise<void> {
  for (const [what, pid] of Object.entries(pids)) {
    let gone = await isGone(pid);
    for (let i = 0; i < 100 && !gone; i++) gone = (await sleep(50), await isGone(pid));
    assert.ok(gone, `${what} process ${pid} is still running`);
  }
}

/** True once the process is gone (or a zombie waiting to be reaped). */
async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('scanner processes', () => {
  it('runs the default command `trivy image -f json IMAGE` from PATH', async (t) => {
    const dir = await tempDir();
    const argvLog = join(dir, 'argv.log');
    await fakeScannerOnPath(dir, 'trivy', { reportFile: fixture('scanners/trivy/debian-two-cves.json'), argvLog });
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath}`;
    t.after(() => { process.env.PATH = oldPath; });
    const verdict = await checkImages([IMAGE], configFromArgs(['-vulncheck-max-cvss', '9']));
    assert.deepEqual(await recordedArgv(argvLog), [['image', '-f', 'json', IMAGE]]);
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.images[0]!.rejected.map((v) => v.id), ['CVE-2019-18224']);
  });

  it('a scanner that exits non-zero is an error showing command, exit code and stderr', async () => {
    const result = await runFake({ exitCode: 3, stderr: 'FATAL: db download failed\nretry later\n', stdout: '{}' });
    assert.equal(result.error?.message, 'scanner exited with code 3');
    assert.equal(result.error?.exitCode, 3);
    assert.equal(result.error?.command?.at(-1), IMAGE);
    const report = formatVulncheckReport({ enabled: true, maxCvss: 7, maxRisk: 0, images: [result], rejections: [], unusedIgnores: [], passed: false });
    assert.match(report, new RegExp(`${IMAGE.replaceAll('.', '\\.')}: cannot check: scanner exited with code 3\n`));
    assert.match(report, /\n {6}command: .*fake-scanner\.mjs.* 127\.0\.0\.1:5000\/team\/app@sha256:a{64}\n/);
    assert.match(report, /\n {6}exit code: 3\n {6}stderr:\n {8}\| FATAL: db download failed\n {8}\| retry later\n$/);
  });

  it('output that is not JSON is an error, even with exit code 0', async () => {
    const garbage = await runFake({ stdout: 'Downloading vulnerability DB...\n', stderr: 'progress' });
    assert.equal(garbage.error?.message, 'scanner output is not valid JSON: "Downloading vulnerability DB..."');
    assert.equal(garbage.error?.exitCode, 0);
    assert.equal(garbage.error?.stderr, 'progress');
    const empty = await runFake({ stdout: '' });
    assert.equal(empty.error?.message, 'scanner output is not valid JSON (it is empty)');
  });

  it('JSON of the other format is an error, not an empty pass', async () => {
    const result = await runFake({ reportFile: fixture('scanners/grype/risk-scores.json') });
    assert.match(result.error?.message ?? '', /not a trivy JSON report.*-vulncheck-format/);
    const other = await runFake({ reportFile: fixture('scanners/trivy/alpine-shared-ids.json') }, ['-vulncheck-format', 'grype-json']);
    assert.match(other.error?.message ?? '', /not a grype JSON report/);
  });

  it('a missing scanner executable is an error for the image', async () => {
    const dir = await tempDir();
    const verdict = await checkImages([IMAGE], configFromArgs(['-vulncheck-max-cvss', '7', '-trivy-command', join(dir, 'no-such-trivy')]));
    assert.match(verdict.images[0]!.error?.message ?? '', /cannot run scanner: .*ENOENT/);
    assert.equal(verdict.passed, false);
  });

  it('on timeout the scanner and the child it started are killed', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pids.json');
    const command = await fakeScannerCommand(dir, { hang: true, pidFile });
    const verdict = await checkImages([IMAGE], configFromArgs(['-vulncheck-max-cvss', '7', '-vulncheck-command', command, '-vulncheck-timeout', '3s']));
    const result = verdict.images[0]!;
    assert.equal(result.error?.message, 'scanner timed out after 3s and was killed');
    assert.equal(result.error?.signal, 'SIGTERM');
    const pids = JSON.parse(await readFile(pidFile, 'utf8')) as { scanner: number; child: number };
    await assertGone(pids);
  });

  it('a scanner that prints past the 256 MiB stdout limit is killed with its child, long before the timeout, and its image reported', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pids.json');
    const command = await fakeScannerCommand(dir, { flood: 2 * SCANNER_STDOUT_LIMIT, pidFile });
    const verdict = await checkImages([IMAGE], configFromArgs(['-vulncheck-max-cvss', '7', '-vulncheck-command', command, '-vulncheck-timeout', '2m']));
    const result = verdict.images[0]!;
    assert.equal(result.error?.message,
      'scanner printed more than the 256 MiB limit on stdout and was killed; a JSON report is far smaller: check that the command prints only its report');
    assert.equal(result.error?.signal, 'SIGTERM');
    assert.equal(verdict.passed, false);
    const report = formatVulncheckReport({ enabled: true, maxCvss: 7, maxRisk: 0, images: [result], rejections: [], unusedIgnores: [], passed: false });
    assert.match(report, new RegExp(`\\n  ${IMAGE.replaceAll('.', '\\.')}: cannot check: scanner printed more than the 256 MiB limit on stdout`));
    const pids = JSON.parse(await readFile(pidFile, 'utf8')) as { scanner: number; child: number };
    await assertGone(pids);
  });

  it('an abort (Ctrl-C) rejects the whole check and kills running scanners', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pids.json');
    const command = await fakeScannerCommand(dir, { hang: true, pidFile });
    const abort = new AbortController();
    const run = checkImages([IMAGE], configFromArgs(['-vulncheck-max-cvss', '7', '-vulncheck-command', command]), { signal: abort.signal });
    for (let i = 0; i < 200 && !(await readFile(pidFile, 'utf8').catch(() => '')); i++) await sleep(50);
    abort.abort(new Error('interrupted'));
    await assert.rejects(run, /interrupted/);
    const pids = JSON.parse(await readFile(pidFile, 'utf8')) as { scanner: number; child: number };
    await assertGone(pids);
  });

  it('a Ctrl-C (SIGINT) to reimage kills the scanner groups too, then ends reimage by that signal', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pids.json');
    const command = await fakeScannerCommand(dir, { hang: true, pidFile });
    const gate = spawn(process.execPath, ['--import', 'tsx', RUN_GATE, IMAGE, '-vulncheck-max-cvss', '7', '-vulncheck-command', command],
      { stdio: 'ignore' });
    const ended = once(gate, 'exit');
    for (let i = 0; i < 200 && !(await readFile(pidFile, 'utf8').catch(() => '')); i++) await sleep(50);
    const pids = JSON.parse(await readFile(pidFile, 'utf8')) as { scanner: number; child: number };
    gate.kill('SIGINT');
    assert.deepEqual(await ended, [null, 'SIGINT']);
    await assertGone(pids);
  });

  it('at most -vulncheck-workers scanners are alive at once', async () => {
    const dir = await tempDir();
    const aliveDir = join(dir, 'alive');
    await mkdir(aliveDir);
    const countsLog = join(dir, 'counts.log');
    const reportFile = fixture('scanners/trivy/alpine-shared-ids.json');
    const command = await fakeScannerCommand(dir, { reportFile, aliveDir, countsLog, waitFor: 2 });
    const images = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => digestRef(`team/app-${c}`, c));
    const verdict = await checkImages(images, configFromArgs(['-vulncheck-max-cvss', '11', '-vulncheck-command', command, '-vulncheck-workers', '2']));
    assert.equal(verdict.passed, true);
    assert.equal(verdict.images.length, 6);
    const counts = (await readFile(countsLog, 'utf8')).split('\n').filter(Boolean).map(Number);
    assert.equal(Math.max(...counts), 2, `scanners alive at once, as each saw it: ${counts.join(' ')}`);
  });
});
