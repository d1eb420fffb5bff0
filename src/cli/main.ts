/**
 * The reimage command. Exit codes: 0 success, 1 failure, 2 bad usage.
 * Nothing is written to stdout unless the whole run succeeded.
 */
import { ReimageError, errorMessage } from '../errors.js';
import { formatUsage, parseFlags } from './flags.js';
import { FLAGS } from './options.js';
import { versionString } from './version.js';

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseFlags(FLAGS, argv);
    if (parsed.help) {
      process.stderr.write(`Usage of reimage:\n${formatUsage(FLAGS)}`);
      return 0;
    }
    if (parsed.values.V) {
      process.stdout.write(`${await versionString()}\n`);
      return 0;
    }
    throw new ReimageError('not implemented yet');
  } catch (err) {
    process.stderr.write(`reimage: ${errorMessage(err)}\n`);
    return err instanceof ReimageError ? err.exitCode : 1;
  }
}
