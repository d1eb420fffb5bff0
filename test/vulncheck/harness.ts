/**
 * Test helpers for the vulnerability gate: fake scanners, real flag parsing.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../../src/cli/flags.js';
import { FLAGS } from '../../src/cli/options.js';
import { silentLogger } from '../../src/log.js';
import { checkImages, vulncheckConfigFromFlags, type ImageVerdict, type VulncheckConfig } from '../../src/vulncheck/index.js';
import { tempDir } from '../harness/temp-dir.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/vulncheck/', import.meta.url));
export const FAKE_SCANNER = fileURLToPath(new URL('./fake-scanner.mjs', import.meta.url));

export const fixture = (rel: string) => join(FIXTURES, rel);
export const readJson = async (rel: string): Promise<unknown> => JSON.parse(await readFile(fixture(rel), 'utf8'));

/** A digest reference like the pipeline's final images. */
export const digestRef = (repo: string, hexChar = 'a') => `127.0.0.1:5000/${repo}@sha256:${hexChar.repeat(64)}`;

export interface FakeScannerConfig {
  reportFile?: string;
  /** Report file by a part of the image reference, for runs that scan several images. */
  reportByImage?: Record<string, string>;
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  argvLog?: string;
  hang?: boolean;
  /** Bytes to print on stdout (then hang, like `hang`). */
  flood?: number;
  pidFile?: string;
  aliveDir?: string;
  countsLog?: string;
  waitFor?: number;
}

/** Writes the fake's config and returns the scanner command line, quoted as a user would. */
export async function fakeScannerCommand(dir: string, cfg: FakeScannerConfig, name = 'scanner'): Promise<string> {
  const cfgFile = join(dir, `${name}.json`);
  await writeFile(cfgFile, JSON.stringify(cfg));
  return [process.execPath, FAKE_SCANNER, cfgFile].map((w) => `'${w}'`).join(' ');
}

/** An executable named `name` in `dir` that runs the fake, for PATH lookups of the default command. */
export async function fakeScannerOnPath(dir: string, name: string, cfg: FakeScannerConfig): Promise<void> {
  const cfgFile = join(dir, `${name}.json`);
  await writeFile(cfgFile, JSON.stringify(cfg));
  const exe = join(dir, name);
  await writeFile(exe, `#!/bin/sh\nexec '${process.execPath}' '${FAKE_SCANNER}' '${cfgFile}' "$@"\n`);
  await chmod(exe, 0o755);
}

/** The argv lines the fake recorded (scanner arguments, image last). */
export async function recordedArgv(file: string): Promise<string[][]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
}

/** Parses reimage command-line flags for real and builds the gate's config from them. */
export function configFromArgs(args: readonly string[]): VulncheckConfig {
  return vulncheckConfigFromFlags(parseFlags(FLAGS, args).values, silentLogger);
}

/** Runs the gate over one report printed by the fake scanner; max 11 records everything. */
export async function scan(format: string, report: { file: string } | { json: unknown }, extra: string[] = []): Promise<ImageVerdict> {
  const dir = await tempDir();
  let reportFile: string;
  if ('file' in report) reportFile = report.file;
  else {
    reportFile = join(dir, 'report.json');
    await writeFile(reportFile, JSON.stringify(report.json));
  }
  const argvLog = join(dir, 'argv.log');
  const image = digestRef('scored/app');
  const config = configFromArgs([
    '-vulncheck-max-cvss', '11', '-vulncheck-format', format,
    '-vulncheck-command', await fakeScannerCommand(dir, { reportFile, argvLog }), ...extra,
  ]);
  const verdict = await checkImages([image], config);
  assert.deepEqual(await recordedArgv(argvLog), [[image]], 'the scanner gets the digest reference as its last argument');
  assert.equal(verdict.passed, true, 'max 11 never fails');
  const [result] = verdict.images;
  assert.ok(result);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.rejected, []);
  return result;
}

/** ID → score of everything found. */
export const scores = (r: ImageVerdict) => Object.fromEntries(r.found.map((v) => [v.id, v.score]));
