/**
 * The `reimage` executable (bin/reimage loads this module; the single executable is built from it).
 * It exits as soon as the output is written: an idle keep-alive socket or a forgotten timer must not
 * hold a Helm post-render for another moment (Node.js 20 lingered up to 150 ms after a warm run).
 * Output goes to the descriptors with blocking writes (io.ts), and so does whatever reaches
 * process.stderr directly on Linux, where its writes to files, pipes and terminals are synchronous.
 */
import { outputFlushed } from './io.js';
import { main } from './main.js';

void main(process.argv.slice(2)).then(async (code) => {
  await outputFlushed();
  process.exit(code);
});
