/**
 * The reimage command. Exit codes: 0 success, 1 failure, 2 bad usage.
 * Nothing is written to stdout unless the whole run succeeded.
 */
import { ReimageError, errorMessage } from '../errors.js';
import { createLogger } from '../log.js';
import { findImages, loadImageRules, parseManifestStream } from '../manifests/index.js';
import { formatUsage, parseFlags } from './flags.js';
import { readAll, writeAll } from './io.js';
import { formatImageList } from './list-images.js';
import { FLAGS } from './options.js';
import { settingsFromFlags } from './settings.js';
import { versionString } from './version.js';

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseFlags(FLAGS, argv);
    if (parsed.help) {
      process.stderr.write(`Usage of reimage:\n${formatUsage(FLAGS)}`);
      return 0;
    }
    if (parsed.values.V) {
      await writeAll(process.stdout, `${await versionString()}\n`);
      return 0;
    }
    const settings = settingsFromFlags(parsed);
    const log = createLogger({ level: settings.debug ? 'debug' : 'info' });
    const rules = await loadImageRules(settings.rulesConfig, settings.input);

    const stream = parseManifestStream(await readAll(process.stdin));
    log.debug(`read ${stream.documents.length} documents (${stream.text.length} characters)`);
    const occurrences = findImages(stream, rules, { ...(settings.ignore && { ignore: settings.ignore }) });
    log.debug(`found ${occurrences.length} image occurrences`);

    if (settings.listImages) {
      await writeAll(process.stdout, formatImageList(occurrences, settings.listFormat));
      return 0;
    }
    // Registry work (checking, pinning, copying, mappings, checks, attestations) rewrites the
    // occurrences here, between finding the images and printing the stream.
    await writeAll(process.stdout, stream.toString());
    return 0;
  } catch (err) {
    process.stderr.write(`reimage: ${errorMessage(err)}\n`);
    return err instanceof ReimageError ? err.exitCode : 1;
  }
}
