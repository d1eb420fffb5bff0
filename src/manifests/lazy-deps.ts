/**
 * `yaml` and `jsonpath-rfc9535` take tens of milliseconds to load, as long as reading a large
 * plain stream takes, and most runs need neither: the fast scanner reads Helm-style documents and
 * only rules read JSONPaths. So they are loaded on first use, synchronously (through require, as
 * finding images is synchronous).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
let jsonPathModule: typeof import('jsonpath-rfc9535') | undefined;

export function yaml(): typeof import('yaml') {
  return (yamlModule ??= require('yaml') as typeof import('yaml'));
}

export function jsonPath(): typeof import('jsonpath-rfc9535') {
  return (jsonPathModule ??= require('jsonpath-rfc9535') as typeof import('jsonpath-rfc9535'));
}
