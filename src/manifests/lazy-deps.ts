/**
 * `yaml` and `jsonpath-rfc9535` take tens of milliseconds to load, as long as reading a large
 * plain stream takes, and most runs need neither: the fast scanner reads Helm-style documents and
 * only rules read JSONPaths. So they are loaded on first use, synchronously (through require, as
 * finding images is synchronous).
 */
import { createRequire } from 'node:module';
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
  installLinearRegexps();
  return (jsonPathModule = module);
}

interface FilterFunction {
  declaration: (ctx: unknown, value: unknown, pattern: unknown) => boolean;
}

/**
 * The library runs match() and search() on JavaScript's backtracking RegExp, with no option to
 * change it. Its function table holds these objects, so their declarations are replaced with the
 * linear-time I-Regexp ones (test/reliability-input-regexp.test.ts proves the replacement is in
 * effect). The files are named by relative path, literally: the package's exports do not list
 * them, and esbuild bundles a literal path as the same module the library itself loads.
 */
function installLinearRegexps(): void {
  const match = (require('../../node_modules/jsonpath-rfc9535/dist/commonjs/core/functions/match.js') as { default?: FilterFunction }).default;
  const search = (require('../../node_modules/jsonpath-rfc9535/dist/commonjs/core/functions/search.js') as { default?: FilterFunction }).default;
  if (typeof match?.declaration !== 'function' || typeof search?.declaration !== 'function') {
    throw new Error('jsonpath-rfc9535 changed its layout: cannot install linear-time match()/search()');
  }
  match.declaration = (_ctx, value, pattern) => iRegexpMatch(value, pattern);
  search.declaration = (_ctx, value, pattern) => iRegexpSearch(value, pattern);
}
