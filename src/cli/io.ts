/**
 * Standard input and output for a filter: read all of stdin before doing anything, write stdout in
 * one go at the very end, and treat a closed stdout (EPIPE, as with `| head`) as a quiet end.
 */
import type { Readable, Writable } from 'node:stream';
import { ReimageError } from '../errors.js';

export async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that it is written back out.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ReimageError('standard input is not valid UTF-8');
  }
}

/** Writes text; resolves when it is flushed, or quietly when the reader has gone away. */
export function writeAll(output: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') resolve();
      else reject(new ReimageError(`cannot write the output: ${err.message}`));
    };
    output.once('error', onError);
    if (text === '') {
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
