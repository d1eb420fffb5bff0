/**
 * Everything after the images are found: check, pin, rename and copy them, gate on vulnerabilities,
 * write the mappings, attest, and print the rewritten stream. main() loads this module only when
 * it runs, so `-list-images` does not pay for loading the registry, vulncheck and attest code.
 */
import { isatty } from 'node:tty';
import { ReimageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ImageOccurrence, ManifestStream } from '../manifests/index.js';
import { checkMappingImageTarget, loadStaticMappings, verifyStaticMappings, writeMappings } from '../mappings/registry-io.js';
import { StaticMappings } from '../mappings/static.js';
import { type ImageSite, Pipeline, type PipelineResult, ResolveOnce } from '../pipeline/pipeline.js';
import { type AttestConfig, attestImages } from '../attest/index.js';
import { EMPTY_VULNCHECK_RESULT, type MappingEntry } from '../mappings/format.js';
import { matchesImage, parseReference } from '../reference/reference.js';
import { RegistryClient } from '../registry/index.js';
import type { GoRegexp } from '../regexp.js';
import { SignatureHooks, type SignatureSettings } from '../signatures/gate.js';
import { writeStderr, writeStdout } from './io.js';
import type { PipelineSettings } from './pipeline-settings.js';
import { formatSummary, progressReporter } from './summary.js';
import { describeShard, inShard, type Shard } from './shard.js';
import {
  checkImages, finalDigestRef, formatVulncheckReport, mappingVulncheckResult, reportTemplateData, uncopiedSources, writeVulncheckReport,
  type VulncheckConfig, vulncheckEnabled, type VulncheckVerdict,
} from '../vulncheck/index.js';
import { writeFileAtomic } from '../atomic-file.js';

/** What main() has checked and found before the gate runs. */
export interface GateJob {
  readonly job: PipelineSettings;
  readonly vulncheck: VulncheckConfig;
  readonly attest: AttestConfig | undefined;
  readonly signatures: SignatureSettings;
  readonly ignore: GoRegexp | undefined;
  /** -shard: only this shard's images of the static mappings. */
  readonly shard: Shard | undefined;
  readonly log: Logger;
  /** The stream read from stdin; undefined with -mappings-only. */
  readonly input: ManifestStream | undefined;
  readonly occurrences: readonly ImageOccurrence[];
  /** Called just before the output is written (the -timeout deadline lets the write finish). */
  readonly beforeOutput?: () => void;
}

/** -mappings-only: every image the static mappings name (except -ignore'd ones) instead of the YAML's. */
function staticSites(mappings: StaticMappings, ignore: GoRegexp | undefined): ImageSite[] {
  return [...mappings.entries.keys()]
    .map((image) => ({ image, reference: parseReference(image) }))
    .filter((site) => !ignore || !matchesImage(ignore, site.image, site.reference));
}

/** -vulncheck-report-output: the rendered -vulncheck-report-template, or the verdict as JSON. */
async function writeReport(
  file: string, vulncheck: VulncheckConfig, verdict: VulncheckVerdict, mappings: ReadonlyMap<string, MappingEntry>, dryRun: boolean, log: Logger,
): Promise<void> {
  // Rendered even in a dry run, so that a template error shows there too.
  const rendered = vulncheck.reportTemplate?.render(reportTemplateData(mappings, vulncheck.ignore.ids()));
  if (dryRun) log.info(`dry run: would write the vulnerability report to ${file}`);
  else if (rendered !== undefined) await writeFileAtomic(file, rendered);
  else await writeVulncheckReport(file, verdict);
}

/** The entries of one shard: the others are verified, copied and recorded by the other shards. */
function shardMappings(mappings: StaticMappings, shard: Shard, log: Logger): StaticMappings {
  const entries = new Map([...mappings.entries].filter(([key]) => inShard(parseReference(key), shard)));
  log.info(`${describeShard(shard)}: ${entries.size} of ${mappings.entries.size} static mappings`);
  return new StaticMappings(entries, `${mappings.source}, ${describeShard(shard)}`);
}

/** The pipeline's mappings: as written → final tag and digest. */
type RunMappings = PipelineResult['mappings'];

/** The final images, by digest: what the vulnerability gate scans and attestations name. */
function finalImages(mappings: RunMappings): string[] {
  return [...new Set([...mappings.values()].map(finalDigestRef))];
}

/** The mappings entries: each final image with this run's verdict, which replaces any a static mapping carried, as in Go. */
function vulncheckMappings(mappings: RunMappings, verdict: VulncheckVerdict, hooks: SignatureHooks | undefined): Map<string, MappingEntry> {
  const verdictByImage = new Map(verdict.images.map((v) => [v.image, v]));
  const entries = new Map<string, MappingEntry>();
  for (const [original, m] of mappings) {
    const v = verdictByImage.get(finalDigestRef(m));
    // No check: empty lists.
    entries.set(original, {
      tag: m.tag, digest: m.digest, vulncheckResult: v ? mappingVulncheckResult(v, verdict) : EMPTY_VULNCHECK_RESULT, ...hooks?.record(m.tag),
    });
  }
  return entries;
}

export async function runGate({ job, vulncheck, attest, signatures, ignore, shard, log, input, occurrences, beforeOutput }: GateJob): Promise<void> {
  const started = Date.now();
  const client = new RegistryClient({ ...job.registry, logger: log });
  const registry = new ResolveOnce(client);
  const loaded = job.staticMappings && await loadStaticMappings(job.staticMappings, client);
  const staticMappings = loaded && shard ? shardMappings(loaded, shard, log) : loaded;
  if (staticMappings && job.verifyStaticMappings) await verifyStaticMappings(staticMappings, registry);
  if (job.writeMappingsImage) await checkMappingImageTarget(job.writeMappingsImage, client, job.clobber);

  // Signatures are checked while images are planned, and copied with them.
  const hooks = SignatureHooks.enabled(signatures) ? new SignatureHooks(client.artifacts, log, signatures, { clobber: job.clobber, dryRun: job.dryRun, noCopy: job.noCopy }) : undefined;

  // A scanner reads an image wherever its digest already is: the final name once copied, else the
  // source. So its verdict comes before the copies, and a refused image is never copied. Grafeas
  // only knows images in the user's registry: it is asked after the copies.
  const scanBeforeCopy = vulncheck.method === 'exec' && vulncheckEnabled(vulncheck);
  let verdict: VulncheckVerdict | undefined;
  const scanFinalImages = async (found: RunMappings, scanAtSource: boolean): Promise<VulncheckVerdict> => {
    const scanAs = scanAtSource && vulncheckEnabled(vulncheck) ? await uncopiedSources(found, registry, job.registry.mirrors) : undefined;
    const checked = await checkImages(finalImages(found), vulncheck, { ...(scanAs && { scanAs }) });
    if (checked.passed) return checked;
    if (vulncheck.reportOutput) await writeReport(vulncheck.reportOutput, vulncheck, checked, vulncheckMappings(found, checked, hooks), job.dryRun, log);
    writeStderr(formatVulncheckReport(checked));
    throw new ReimageError(`vulnerability check failed: ${scanBeforeCopy ? 'nothing was copied, ' : ''}no manifests were printed and no mappings written`);
  };

  // Check, pin, rename and copy every distinct image.
  // process.stderr is made only for a terminal: creating the stream costs a small run ~1 ms.
  const progress = progressReporter(isatty(2) ? process.stderr : undefined);
  const pipeline = new Pipeline(registry, {
    ...(job.rename && { rename: job.rename }),
    ...(staticMappings && { staticMappings }),
    outputForm: job.outputForm,
    clobber: job.clobber,
    noCopy: job.noCopy,
    dryRun: job.dryRun,
    logger: log,
    ...(hooks && { hooks }),
    ...(scanBeforeCopy && { beforeCopy: async (found: RunMappings) => void (verdict = await scanFinalImages(found, true)) }),
    onProgress: progress.update,
  });
  const result = await pipeline.run(staticMappings && job.mappingsOnly ? staticSites(staticMappings, ignore) : occurrences)
    .finally(progress.clear);
  if (result.summary.imagesFound > 0) log.info(formatSummary(result.summary, Date.now() - started, job.dryRun));

  // A dry run or -no-copy copied nothing: images not at their final name are scanned at their source, by digest.
  verdict ??= await scanFinalImages(result.mappings, job.dryRun || job.noCopy);
  const mappings = vulncheckMappings(result.mappings, verdict, hooks);
  // Written whether the check passed or not, as the Go tool does (a failing check wrote it above).
  if (vulncheck.reportOutput) await writeReport(vulncheck.reportOutput, vulncheck, verdict, mappings, job.dryRun, log);
  const vulnReport = formatVulncheckReport(verdict);
  if (vulnReport) log.warn(vulnReport.trimEnd());

  await writeMappings(mappings, { file: job.writeMappingsFile, image: job.writeMappingsImage }, client, { dryRun: job.dryRun, logger: log });

  if (attest) {
    const attested = await attestImages(finalImages(result.mappings), attest);
    log.info(`attestations for ${attest.attestor}: ${attested.created.length} created, ${attested.skipped.length} already present` +
      (attested.wouldCreate.length ? `, ${attested.wouldCreate.length} would be created (dry run)` : ''));
  }

  if (input) {
    for (const o of occurrences) {
      const final = result.finals.get(o.image);
      if (final !== undefined && final !== o.image) o.setImage(final);
    }
    const output = input.parts();
    beforeOutput?.();
    await writeStdout(output);
  }
}
