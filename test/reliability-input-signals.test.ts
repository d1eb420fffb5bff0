/**
 * Issue 11.12: once the output has started, SIGTERM or SIGINT does not cut it short (a reader such
 * as `kubectl apply -f -` would apply the documents it got); it is finished, within a bound.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from './harness/run-reimage.js';

const OCCURRENCES = 200_000;
const input = `apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n${'  - name: c\n    image: nginx:1.27\n'.repeat(OCCURRENCES)}`;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during the final write: the whole output still reaches the reader`, async () => {
    const child = spawn(BIN, ['-list-images'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const chunks: Buffer[] = [];
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, sig) => resolve({ code, signal: sig })));
    child.stdin.end(input);
    // Wait for the output to start, stop reading so the write cannot finish, then signal.
    const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
    chunks.push(first);
    child.stdout.pause();
    child.kill(signal);
    await sleep(500);
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stdout.resume();
    const { code } = await closed;
    const out = Buffer.concat(chunks).toString('utf8');
    assert.equal(out.split('\n').length - 1, OCCURRENCES + 1, `lines received (stderr: ${stderr})`);
    assert.match(out, /containers\[199999\]\.image +nginx:1\.27\n$/);
    assert.match(stderr, new RegExp(`${signal} received while writing the output; finishing it first`));
    assert.equal(code, 0);
  });
}

test('a reader that stalls after the signal does not keep reimage alive past the grace period', async () => {
  const child = spawn(BIN, ['-list-images'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.end(input);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdout.pause(); // never read again
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await closed;
  assert.equal(code, 143, stderr);
  assert.match(stderr, /not flushed within 10s of SIGTERM/);
  assert.ok(Date.now() - started < 60_000);
});
