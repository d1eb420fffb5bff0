/**
 * Issue 11.13 (input side): JavaScript internals no longer reach users. Each case is reproduced
 * the way a user meets it and must get our own message.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeFileAtomic } from '../src/atomic-file.js';
import { sprintf } from '../src/pipeline/template/printf.js';
import { GoFloat } from '../src/pipeline/template/values.js';
import { startHostileRegistry } from './harness/hostile-registry.js';
import { run, runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

test('printf with a width past Go\'s limit prints %!(NOVERB) as Go does, not "Invalid string length"', () => {
  assert.equal(sprintf('%999999999d|x', [1]), '%!(NOVERB)%!(EXTRA int=1)');
  assert.equal(sprintf('%10000010d', [1]), '%!(NOVERB)%!(EXTRA int=1)');
  assert.equal(sprintf('%.99999999f', [new GoFloat(1.5)]), '%!(NOVERB)%!(EXTRA float64=1.5)');
});

test('printf precision past 100 digits prints the exact value as Go does, not "toFixed() digits…"', () => {
  assert.equal(sprintf('%.120f', [new GoFloat(0.1)]), `0.1000000000000000055511151231257827021181583404541015625${'0'.repeat(65)}`);
  assert.equal(sprintf('%.101f', [new GoFloat(2.5)]), `2.5${'0'.repeat(100)}`);
  const exact = '000000000000000055511151231257827021181583404541015625'; // 0.1's binary value, after "1."
  assert.equal(sprintf('%.105e', [new GoFloat(0.1)]), `1.${exact.padEnd(105, '0')}e-01`);
  assert.equal(sprintf('%.3f', [new GoFloat(0.0005)]), '0.001'); // unchanged below 100 digits
});

test('a mappings file under a path that is not a directory: our message, not a raw ENOTDIR … lstat …tmp', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'file');
  await writeFileAtomic(file, 'x');
  await assert.rejects(writeFileAtomic(path.join(file, 'mappings.json'), '{}'), (err: Error) => {
    assert.equal(err.message, `could not write ${path.join(file, 'mappings.json')}: ${file} is not a directory`);
    return true;
  });
  await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'm.json'), '{}'), /could not write .*: the directory .*missing does not exist$/);
});

test('a token realm that is not an http(s) URL: our message, not "cannot reach null: not implemented... yet..."', async () => {
  const registry = await startHostileRegistry((_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="file:///etc/passwd",service="x"', 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    return true;
  });
  try {
    const { host } = registry;
    const result = await runReimage(['-rename-force-digest'], `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${host}/team/app:1\n`);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Bearer challenge names the token service "file:\/\/\/etc\/passwd", which is not an http or https URL/);
    assert.doesNotMatch(result.stderr, /not implemented|cannot reach null/);
  } finally {
    await registry.stop();
  }
});

test('standard input past the cap: our message naming the limit, read no further', async () => {
  // readStdin reads descriptor 0, so it runs in a child with a small cap.
  const io = fileURLToPath(new URL('../src/cli/io.ts', import.meta.url));
  const script = `import(${JSON.stringify(io)}).then((m) => m.readStdin(1000)).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
  const result = await run(process.execPath, ['--import', 'tsx', '-e', script], {}, 'a'.repeat(1200));
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /standard input is larger than 1000 bytes .*the most reimage reads/);
});

for (const [what, template] of [
  ['parentheses', `{{ .RemotePath }}/x:{{ ${'('.repeat(5000)}.Tag${')'.repeat(5000)} }}`],
  ['if blocks', `{{ .RemotePath }}/x:${'{{ if .Tag }}'.repeat(5000)}a${'{{ end }}'.repeat(5000)}`],
] as const) {
  test(`a rename template nested 5000 deep (${what}): Go's "max expression depth exceeded", not a stack overflow`, async () => {
    const result = await runReimage(['-rename-remote-path', 'registry.example.com/m', '-rename-template', template]);
    assert.equal(result.code, 1, result.stderr.slice(-300)); // a bad template, as every template error
    assert.match(result.stderr.slice(-300), /max expression depth exceeded/);
    assert.doesNotMatch(result.stderr, /call stack/);
  });
}

test('a rename template nested 1000 deep still works', async () => {
  const template = `{{ .RemotePath }}/x:${'{{ if .Tag }}'.repeat(1000)}a${'{{ end }}'.repeat(1000)}{{ ${'('.repeat(1000)}.DigestHex${')'.repeat(1000)} }}`;
  const result = await runReimage(['-rename-remote-path', 'registry.example.com/m', '-rename-template', template, '-list-images'], '');
  assert.equal(result.code, 0, result.stderr.slice(-300));
});
