import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const rulesDir = new URL('./fixtures/manifests/', import.meta.url).pathname;
const POD = 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: nginx\n';

/** [args, stdin, exit code, stderr pattern] — stdout must stay empty in every case. */
const CASES: readonly [string[], string, number, RegExp][] = [
  [['-nope'], POD, 2, /flag provided but not defined: -nope/],
  [['-input', 'json'], POD, 2, /invalid value "json" for flag -input: want k8s or yaml/],
  [['-output', 'xml', '-list-images'], POD, 2, /invalid value "xml" for flag -output/],
  [['-ignore', '(?=x)'], POD, 2, /invalid regexp "\(\?=x\)" for flag -ignore/],
  [['-list-images=perhaps'], POD, 2, /invalid value "perhaps" for flag -list-images/],
  [['-ignore'], POD, 2, /flag needs an argument: -ignore/],
  [['extra-arg'], POD, 2, /unexpected argument "extra-arg"/],
  [['-rules-config', '/nonexistent/rules.yaml'], POD, 2, /cannot read -rules-config file/],
  [['-rules-config', `${rulesDir}bad-regexp-rules.yaml`], POD, 2, /invalid regexp "\[Pod" for the kind of rule 1/],
  [['-rules-config', `${rulesDir}bad-jsonpath-rules.yaml`], POD, 2, /invalid JSONPath "\.spec\.image"/],
  [[], 'a: [\n', 1, /invalid YAML in document 0 at line 2, column 1/],
  [[], 'kind: Pod\nspec:\n  containers:\n  - image: NGINX\n', 1, /\$\.spec\.containers\[0\]\.image in Pod \(document 0\): invalid image reference "NGINX"/],
  [['-list-images'], 'kind: Pod\nspec:\n  containers:\n  - image: {a: 1}\n', 1, /want an image string, found a mapping/],
  [[], '\xff\xfe', 1, /not valid UTF-8/],
];

for (const [args, stdin, code, message] of CASES) {
  test(`reimage ${args.join(' ')} < ${JSON.stringify(stdin.slice(0, 30))} exits ${code}`, async () => {
    const input = stdin === '\xff\xfe' ? Buffer.from([0xff, 0xfe]) : stdin;
    const r = await runReimage(args, input);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('a -rules-config file over 1 MiB, or endless (/dev/zero), is refused with exit 2; one given as a pipe is read whole', async () => {
  const dir = await tempDir();
  const huge = join(dir, 'huge-rules.yaml');
  await writeFile(huge, '');
  await truncate(huge, (1 << 20) + 1); // sparse: 1 MiB and a byte of NULs
  for (const file of [huge, '/dev/zero']) {
    const r = await runReimage(['-rules-config', file], POD);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `reimage: invalid value "${file}" for flag -rules-config: the file is larger than the 1 MiB limit; ` +
      'a rules file is a short YAML list of rules: check that this is the right file\n');
  }
  const fifo = join(dir, 'rules.fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', join(rulesDir, 'raw-rules.yaml'), fifo]);
  const written = once(writer, 'close');
  const r = await runReimage(['-input=yaml', '-rules-config', fifo, '-list-images'], 'images:\n  web: nginx:1\n');
  await written;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^0 +\$\.images\.web +nginx:1$/m, 'the rule from the pipe found the image');
});

test('a -static-json-mappings-file over 64 MiB (the mapping image layer\'s limit), or endless (/dev/zero), is refused with exit 1', async () => {
  const dir = await tempDir();
  const huge = join(dir, 'huge-mappings.json');
  await writeFile(huge, '');
  await truncate(huge, (64 << 20) + 1);
  for (const file of [huge, '/dev/zero']) {
    const r = await runReimage(['-mappings-only', '-verify-static-json-mappings=false', '-static-json-mappings-file', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `reimage: -static-json-mappings-file ${file} is larger than the 64 MiB limit ` +
      '(the limit of a -static-json-mappings-img layer too; mappings take about 300 bytes an image): check that this is the right file\n');
  }
});

test('a closed stdout (EPIPE) ends quietly', async () => {
  const big = readFileSync(new URL('../examples/chart-output.yaml', import.meta.url), 'utf8').repeat(400);
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(BIN, ['-ignore', '.'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(big);
  });
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
});
