/** The README's flag reference is the users' manual: it must list every flag the CLI accepts. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { FLAGS } from '../src/cli/options.js';

test('README flag reference documents every flag, and no flag that does not exist', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Flag reference');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const documented = new Set([...section.matchAll(/^\| `-([a-zA-Z][\w-]*)/gm)].map((m) => m[1] ?? ''));
  documented.delete('h'); // -h/-help are handled by the parser, not the table
  assert.deepEqual([...Object.keys(FLAGS)].filter((f) => !documented.has(f)), [], 'flags missing from README');
  assert.deepEqual([...documented].filter((f) => !(f in FLAGS)), [], 'README documents flags that do not exist');
});
