/**
 * Mappings to and from their homes: the static mappings (file or image) a run reads, their
 * verification against the registries, and the mappings file and image a run writes.
 */
import { AggregateReimageError, ReimageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { type ImageReference, parseReference, withDigest } from '../reference/reference.js';
import { RegistryError, type PulledLayer, type SmallImage } from '../registry/index.js';
import { writeFileAtomic } from '../atomic-file.js';
import { readMappingsFile } from './file.js';
import { type Mappings, parseMappings, serializeMappings } from './format.js';
import { buildMappingImage, mappingJsonFromLayer } from './image.js';
import { StaticMappings } from './static.js';

/** The registry operations mappings need (RegistryClient has them). */
export interface MappingRegistry {
  resolve(ref: ImageReference): Promise<{ readonly digest: string } | undefined>;
  pushImage(ref: ImageReference, image: SmallImage): Promise<string>;
  pullSingleLayerImage(ref: ImageReference): Promise<PulledLayer>;
}

export type MappingsLocation = { readonly file: string } | { readonly image: string };

export async function loadStaticMappings(from: MappingsLocation, registry: MappingRegistry): Promise<StaticMappings> {
  if ('file' in from) return new StaticMappings(await readMappingsFile(from.file), `file ${from.file}`);
  const source = `image ${from.image}`;
  let pulled: PulledLayer;
  try {
    pulled = await registry.pullSingleLayerImage(parseReference(from.image));
  } catch (err) {
    throw new ReimageError(`could not read the static mappings ${source}: ${errorMessage(err)}`, { cause: err });
  }
  return new StaticMappings(parseMappings(mappingJsonFromLayer(pulled.layer, from.image), source), source);
}

/**
 * The mapping image may replace only an earlier mapping image (or anything, with -clobber): a tag
 * that holds an application image is refused, before the run writes anything.
 */
export async function checkMappingImageTarget(image: string, registry: MappingRegistry, clobber: boolean): Promise<void> {
  if (clobber) return;
  const ref = parseReference(image);
  const existing = await registry.resolve(ref);
  if (!existing) return;
  try {
    const pulled = await registry.pullSingleLayerImage(withDigest(ref, existing.digest));
    parseMappings(mappingJsonFromLayer(pulled.layer, image), `image ${image}`);
  } catch (err) {
    if (!(err instanceof ReimageError) || err instanceof RegistryError) throw err;
    throw new ReimageError(
      `refusing to overwrite ${image} with the mapping image: it holds ${existing.digest}, which is not a reimage mapping image (${errorMessage(err)}); use -clobber to overwrite it`,
    );
  }
}

/** The target of a mapping no longer holds the recorded digest (or is gone). */
class StaleMappingError extends ReimageError {}

/**
 * Checks, concurrently, that every mapped target still has its recorded digest, so a replay
 * deploys exactly what was recorded. All stale entries are reported together.
 */
export async function verifyStaticMappings(mappings: StaticMappings, registry: Pick<MappingRegistry, 'resolve'>): Promise<void> {
  const entries = [...mappings.entries];
  const results = await Promise.allSettled(entries.map(async ([key, entry]) => {
    const current = await registry.resolve(parseReference(entry.tag));
    if (!current) throw new StaleMappingError(`mapping for ${key}: ${entry.tag} does not exist any more`);
    if (current.digest !== entry.digest) {
      throw new StaleMappingError(`mapping for ${key} has changed: ${entry.tag} was ${entry.digest}, is now ${current.digest}`);
    }
  }));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason : new Error(String(r.reason))] : []));
  if (errors.length > 0) {
    throw new AggregateReimageError(`${errors.length} of ${entries.length} static mappings (${mappings.source}) are stale`, errors);
  }
}

export interface MappingOutputs {
  readonly file?: string;
  readonly image?: string;
}

/** Writes the mappings file (atomically) and pushes the mapping image; -dryrun only says so. */
export async function writeMappings(
  mappings: Mappings, to: MappingOutputs, registry: MappingRegistry, opts: { dryRun: boolean; logger: Logger },
): Promise<void> {
  if (!to.file && !to.image) return;
  const json = serializeMappings(mappings);
  const what = `${mappings.size} mapping${mappings.size === 1 ? '' : 's'}`;
  if (to.file) {
    if (opts.dryRun) opts.logger.info(`dry run: would write ${what} to ${to.file}`);
    else await writeFileAtomic(to.file, json);
  }
  if (to.image) {
    if (opts.dryRun) {
      opts.logger.info(`dry run: would push ${what} as image ${to.image}`);
      return;
    }
    try {
      const digest = await registry.pushImage(parseReference(to.image), buildMappingImage(json));
      opts.logger.info(`pushed ${what} as ${to.image} (${digest})`);
    } catch (err) {
      throw new ReimageError(`could not push the mapping image ${to.image}: ${errorMessage(err)}`, { cause: err });
    }
  }
}
