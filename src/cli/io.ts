/**
 * Standard input and output for a filter: read all of stdin before doing anything (up to a cap),
 * write stdout in one go at the very end (finishing it even when told to stop), and treat a closed stdout (EPIPE, as with `| head`) as a quiet end.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { ReimageError } from '../errors.js';

/**
 * The most stdin may hold: JavaScript's longest string (about 512 MiB). The whole input is one
 * text (the output is the input with edits), and a larger one could not be decoded.
 */
export const MAX_INPUT_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** Once the output has started, a SIGTERM or SIGINT waits at most this long for it to be flushed. */
export const FINISH_WRITE_GRACE_MS = 10_000;

export async function readAll(input: Readable, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      input.destroy();
      throw new ReimageError(`standard input is larger than ${maxBytes} bytes (${Math.floor(maxBytes / 2 ** 20)} MiB), the most reimage reads: split the stream`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that it is written back out.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ReimageError('standard input is not valid UTF-8');
  }
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const WRITE_BATCH = 1 << 20;

/** Small parts joined into writes of about WRITE_BATCH characters; empty parts dropped. */
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

/**
 * Writes text (one string or parts in order); resolves when it is flushed, or quietly when the
 * reader has gone away. Once writing has started, SIGTERM and SIGINT no longer cut it short: a
 * reader such as `kubectl apply -f -` would apply the documents it got. The write is given
 * FINISH_WRITE_GRACE_MS after the signal; a reader that stalls longer gets the exit code of the signal.
 */
export async function writeAll(output: Writable, text: string | readonly string[], graceMs = FINISH_WRITE_GRACE_MS): Promise<void> {
  const parts = batched(typeof text === 'string' ? [text] : text);
  if (parts.length === 0) return;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (deadline) return;
    process.stderr.write(`reimage: ${signal} received while writing the output; finishing it first (at most ${graceMs / 1000}s)\n`);
    deadline = setTimeout(() => {
      process.stderr.write(`reimage: the output was not flushed within ${graceMs / 1000}s of ${signal}; stopping\n`);
      process.exit(128 + (osConstants.signals[signal] ?? 15));
    }, graceMs);
    deadline.unref();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    await new Promise<void>((resolve, reject) => {
      // Stays attached after an error: the stream emits it again after the write callbacks.
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') resolve();
        else reject(new ReimageError(`cannot write the output: ${err.message}`));
      };
      output.on('error', onError);
      parts.forEach((part, i) => {
        if (i < parts.length - 1) output.write(part);
        else output.write(part, (err) => {
          if (err) return onError(err);
          output.off('error', onError);
          resolve();
        });
      });
    });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    clearTimeout(deadline);
  }
}
