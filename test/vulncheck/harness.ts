/**
 * Test helpers for the vulnerability gate: fake scanners, real flag parsing.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../../src/cli/flags.js';
import { FLAGS } from '../../src/cli/options.js';
import { silentLogger } from '../../src/log.js';
import { vulncheckConfigFromFlags, type VulncheckConfig } from '../../src/vulncheck/index.js';

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
