/**
 * The `reimage` executable (bin/reimage loads this module; the single executable is built from it).
 * It exits as soon as stdout and stderr are flushed: an idle keep-alive socket or a forgotten timer
 * must not hold a Helm post-render for another moment.
 */
import { main } from './main.js';

/** Resolves once everything written so far to `stream` has been handed to the OS, or it failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('error', () => resolve()); // a reader that has gone away (EPIPE): nothing more to flush
    stream.write('', () => resolve());
  });
}

void main(process.argv.slice(2)).then(async (code) => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
});
