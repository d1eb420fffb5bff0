/**
 * Standard input and output for a filter: read all of stdin before doing anything, write stdout in
 * one go at the very end, and treat a closed stdout (EPIPE, as with `| head`) as a quiet end.
 *
 * The standard streams are read and written with blocking system calls on file descriptors 0, 1
 * and 2: creating process.stdin/stdout/stderr loads Node's stream, net and tty code, a good part
 * of a small run's start-up. A descriptor in non-blocking mode (EAGAIN) falls back to the stream.
 */
import { readSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ReimageError } from '../errors.js';

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Streams that took over from descriptors 1 and 2 (and keep them, so output stays in order); bin.ts waits for them before exiting. */
const streamsInUse = new Map<1 | 2, Writable>();

/** All of stdin, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(1 << 16);
  try {
    for (let n = readSync(0, buffer); n > 0; n = readSync(0, buffer)) chunks.push(Buffer.from(buffer.subarray(0, n)));
  } catch (err) {
    if (errorCode(err) !== 'EAGAIN') throw new ReimageError(`cannot read standard input: ${(err as Error).message}`);
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  }
  return decodeUtf8(chunks);
}

/** Writes all of `text` to descriptor `fd` (1 or 2); whatever the descriptor does not take now goes through its stream. */
function writeOut(fd: 1 | 2, text: string): Promise<void> {
  let data = Buffer.from(text);
  const inUse = streamsInUse.get(fd);
  if (inUse) return writeAll(inUse, data);
  try {
    while (data.length > 0) data = data.subarray(writeSync(fd, data));
    return Promise.resolve();
  } catch (err) {
    if (errorCode(err) === 'EPIPE') return Promise.resolve();
    if (errorCode(err) !== 'EAGAIN') return Promise.reject(new ReimageError(`cannot write the output: ${(err as Error).message}`));
    const stream = fd === 1 ? process.stdout : process.stderr;
    streamsInUse.set(fd, stream);
    return writeAll(stream, data);
  }
}

/** Writes text to stdout; resolves when it is written, or quietly when the reader has gone away. */
export const writeStdout = (text: string): Promise<void> => writeOut(1, text);

/** Writes text to stderr (logs); failures to write a log are ignored. */
export function writeStderr(text: string): void {
  writeOut(2, text).catch(() => {});
}

/** Resolves when whatever went through a stream (see writeOut) is flushed, so the process may exit. */
export function outputFlushed(): Promise<void> {
  return Promise.all([...streamsInUse.values()].map((stream) => new Promise<void>((resolve) => {
    if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return resolve();
    stream.on('error', () => resolve()); // a reader that has gone away (EPIPE): nothing more to flush
    stream.write('', () => resolve());
  }))).then(() => {});
}

function decodeUtf8(chunks: Buffer[]): string {
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that it is written back out.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ReimageError('standard input is not valid UTF-8');
  }
}

/** Writes text; resolves when it is flushed, or quietly when the reader has gone away. */
function writeAll(output: Writable, text: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') resolve();
      else reject(new ReimageError(`cannot write the output: ${err.message}`));
    };
    output.once('error', onError);
    if (text.length === 0) {
      output.off('error', onError);
      resolve();
      return;
    }
    output.write(text, (err) => {
      if (err) return onError(err);
      output.off('error', onError);
      resolve();
    });
  });
}
