/**
 * `yaml` and `jsonpath-rfc9535` take tens of milliseconds to load, as long as reading a large
 * plain stream takes, and most runs need neither: the fast scanner reads Helm-style documents and
 * only rules read JSONPaths. So they are loaded on first use, synchronously (through require, as
 * finding images is synchronous).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { iRegexpMatch, iRegexpSearch } from './i-regexp.js';

const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
let jsonPathModule: typeof import('jsonpath-rfc9535') | undefined;

export function yaml(): typeof import('yaml') {
  return (yamlModule ??= require('yaml') as typeof import('yaml'));
}

export function jsonPath(): typeof import('jsonpath-rfc9535') {
  if (jsonPathModule) return jsonPathModule;
  const module = require('jsonpath-rfc9535') as typeof import('jsonpath-rfc9535');
  installLinearRegexps(dirname(require.resolve('jsonpath-rfc9535')));
  return (jsonPathModule = module);
}

interface FilterFunction {
  declaration: (ctx: unknown, value: unknown, pattern: unknown) => boolean;
}

/**
 * The library runs match() and search() on JavaScript's backtracking RegExp, with no option to
 * change it. Its function table holds these objects, so their declarations are replaced with the
 * linear-time I-Regexp ones (test/manifests-i-regexp.test.ts proves the replacement is in effect).
 */
function installLinearRegexps(distDir: string): void {
  const load = (name: string) => (require(join(distDir, 'core', 'functions', `${name}.js`)) as { default?: FilterFunction }).default;
  const match = load('match');
  const search = load('search');
  if (typeof match?.declaration !== 'function' || typeof search?.declaration !== 'function') {
    throw new Error('jsonpath-rfc9535 changed its layout: cannot install linear-time match()/search()');
  }
  match.declaration = (_ctx, value, pattern) => iRegexpMatch(value, pattern);
  search.declaration = (_ctx, value, pattern) => iRegexpSearch(value, pattern);
}
