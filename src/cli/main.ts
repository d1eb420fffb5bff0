/**
 * The reimage command. Exit codes: 0 success, 1 failure, 2 bad usage.
 * Nothing is written to stdout unless the whole run succeeded.
 */
import { ReimageError, errorMessage } from '../errors.js';
import { createLogger } from '../log.js';
import { findImages, loadImageRules, parseManifestStream } from '../manifests/index.js';
import { loadStaticMappings, verifyStaticMappings, writeMappings } from '../mappings/registry-io.js';
import type { StaticMappings } from '../mappings/static.js';
import { type ImageSite, Pipeline, ResolveOnce } from '../pipeline/pipeline.js';
import { parseReference } from '../reference/reference.js';
import { RegistryClient } from '../registry/index.js';
import { formatUsage, parseFlags } from './flags.js';
import { readAll, writeAll } from './io.js';
import { formatImageList } from './list-images.js';
import { FLAGS } from './options.js';
import { pipelineSettingsFromFlags } from './pipeline-settings.js';
import { settingsFromFlags } from './settings.js';
import { formatSummary, progressReporter } from './summary.js';
import { versionString } from './version.js';

/** -mappings-only: every image the static mappings name (except -ignore'd ones) instead of the YAML's. */
function staticSites(mappings: StaticMappings, ignore: RegExp | undefined): ImageSite[] {
  return [...mappings.entries.keys()].filter((key) => !ignore?.test(key)).map((image) => ({ image, reference: parseReference(image) }));
}

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
    // Start-up checks (the rename template compiles here), before any input is read.
    const job = pipelineSettingsFromFlags(parsed, log);
    const rules = await loadImageRules(settings.rulesConfig, settings.input);

    const input = job.mappingsOnly ? undefined : parseManifestStream(await readAll(process.stdin));
    if (input) log.debug(`read ${input.documents.length} documents (${input.text.length} characters)`);
    const occurrences = input ? findImages(input, rules, { ...(settings.ignore && { ignore: settings.ignore }) }) : [];
    if (input) log.debug(`found ${occurrences.length} image occurrences`);

    if (settings.listImages) {
      await writeAll(process.stdout, formatImageList(occurrences, settings.listFormat));
      return 0;
    }

    const started = Date.now();
    const client = new RegistryClient({ ...job.registry, logger: log });
    const registry = new ResolveOnce(client);
    const staticMappings = job.staticMappings && await loadStaticMappings(job.staticMappings, client);
    if (staticMappings && job.verifyStaticMappings) await verifyStaticMappings(staticMappings, registry);

    // Check, pin, rename and copy every distinct image.
    const progress = progressReporter(process.stderr);
    const pipeline = new Pipeline(registry, {
      ...(job.rename && { rename: job.rename }),
      ...(staticMappings && { staticMappings }),
      outputForm: job.outputForm,
      clobber: job.clobber,
      noCopy: job.noCopy,
      dryRun: job.dryRun,
      logger: log,
      onProgress: progress.update,
    });
    const result = await pipeline.run(staticMappings && job.mappingsOnly ? staticSites(staticMappings, settings.ignore) : occurrences)
      .finally(progress.clear);
    if (result.summary.imagesFound > 0) log.info(formatSummary(result.summary, Date.now() - started, job.dryRun));

    // Vulnerability checks (src/vulncheck) go here: they scan the final images of
    // result.mappings, fail the run on a CVE above the limit, and add CVE lists to the mappings.

    await writeMappings(result.mappings, { file: job.writeMappingsFile, image: job.writeMappingsImage }, client, { dryRun: job.dryRun, logger: log });

    // Binary Authorization attestations (src/attest) go here, over the final images' digests.

    if (input) {
      for (const o of occurrences) {
        const final = result.finals.get(o.image);
        if (final !== undefined && final !== o.image) o.setImage(final);
      }
      await writeAll(process.stdout, input.toString());
    }
    return 0;
  } catch (err) {
    process.stderr.write(`reimage: ${errorMessage(err)}\n`);
    return err instanceof ReimageError ? err.exitCode : 1;
  }
}
