/**
 * Standard input and output for a filter: read all of stdin before doing anything, write stdout in
 * one go at the very end, and treat a closed stdout (EPIPE, as with `| head`) as a quiet end.
 *
 * The standard streams are read and written with blocking system calls on file descriptors 0, 1
 * and 2: creating process.stdin/stdout/stderr loads Node's stream, net and tty code, a good part
 * of a small run's start-up. A descriptor in non-blocking mode (EAGAIN) falls back to the stream.
 */
import { constants as bufferConstants } from 'node:buffer';
import { readSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { ReimageError } from '../errors.js';

/**
 * The most stdin may hold: JavaScript's longest string (about 512 MiB). The whole input is one
 * text (the output is the input with edits), and a larger one could not be decoded.
 */
export const MAX_INPUT_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** Once the output has started, a SIGTERM or SIGINT waits at most this long for it to be flushed. */
export const FINISH_WRITE_GRACE_MS = 10_000;
/** Output up to this size is written with blocking writes (a pipe's buffer takes it at once). */
const BLOCKING_OUTPUT_MAX = 1 << 16;
const WRITE_BATCH = 1 << 20;

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Streams that took over from descriptors 1 and 2 (and keep them, so output stays in order); bin.ts waits for them before exiting. */
const streamsInUse = new Map<1 | 2, Writable>();

/** All of stdin, as text; refused past `maxBytes`, without reading further. */
export async function readStdin(maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const add = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      throw new ReimageError(`standard input is larger than ${maxBytes} bytes (${Math.floor(maxBytes / 2 ** 20)} MiB), the most reimage reads: split the stream`);
    }
    chunks.push(chunk);
  };
  const buffer = Buffer.allocUnsafe(1 << 16);
  try {
    for (let n = readSync(0, buffer); n > 0; n = readSync(0, buffer)) add(Buffer.from(buffer.subarray(0, n)));
  } catch (err) {
    if (err instanceof ReimageError) throw err;
    if (errorCode(err) !== 'EAGAIN') throw new ReimageError(`cannot read standard input: ${(err as Error).message}`);
    for await (const chunk of process.stdin) add(chunk as Buffer);
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
    if (errorCode(err) === 'EPIPE') {
      if (fd === 1) readerGone = true;
      return Promise.resolve();
    }
    if (errorCode(err) !== 'EAGAIN') return Promise.reject(new ReimageError(`cannot write the output: ${(err as Error).message}`));
    const stream = fd === 1 ? process.stdout : process.stderr;
    streamsInUse.set(fd, stream);
    return writeAll(stream, data);
  }
}

/** True once a write found the reader gone (EPIPE): nothing more is written to stdout. */
let readerGone = false;

/**
 * Writes text (one string, or parts in order) to stdout; resolves when it is written, or quietly
 * when the reader has gone away. Once writing has started, SIGTERM and SIGINT no longer cut it
 * short: a reader such as `kubectl apply -f -` would apply the documents it got. The write is given
 * FINISH_WRITE_GRACE_MS after the signal; a reader that stalls longer gets the signal's exit code.
 * Output larger than a pipe's buffer goes through the stream, so that the grace timer can run.
 */
export async function writeStdout(text: string | readonly string[], graceMs = FINISH_WRITE_GRACE_MS): Promise<void> {
  const parts = batched(typeof text === 'string' ? [text] : text);
  if (parts.length === 0) return;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (deadline) return;
    writeStderr(`reimage: ${signal} received while writing the output; finishing it first (at most ${graceMs / 1000}s)\n`);
    deadline = setTimeout(() => {
      writeStderr(`reimage: the output was not flushed within ${graceMs / 1000}s of ${signal}; stopping\n`);
      process.exit(128 + (osConstants.signals[signal] ?? 15));
    }, graceMs);
    deadline.unref();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    if (parts.length > 1 || parts[0]!.length > BLOCKING_OUTPUT_MAX) streamsInUse.set(1, streamsInUse.get(1) ?? process.stdout);
    for (const part of parts) {
      if (readerGone) break;
      await writeOut(1, part);
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    clearTimeout(deadline);
  }
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Parts joined into writes of about WRITE_BATCH characters (a list may be longer than one string can be); empty parts dropped. */
function batched(parts: readonly string[]): string[] {
  const out: string[] = [];
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (size > 0) out.push(pending.join(''));
    pending = [];
    size = 0;
  };
  for (const part of parts) {
    if (size + part.length > WRITE_BATCH) flush();
    pending.push(part);
    size += part.length;
  }
  flush();
  return out;
}

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
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
        if (output === streamsInUse.get(1)) readerGone = true;
        resolve();
      }
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
