/** `-list-images -show-referrers`: each distinct image's digest, signatures and referrers, from its registry. */
import type { Logger } from '../log.js';
import type { ImageOccurrence } from '../manifests/index.js';
import { mapBounded } from '../map-bounded.js';
import { formatReference } from '../reference/reference.js';
import { RegistryClient } from '../registry/index.js';
import { referrerInventory, type ReferrerInventory } from '../signatures/inventory.js';
import type { PipelineSettings } from './pipeline-settings.js';

/**
 * Images looked up at once. The client's per-registry limit bounds the requests; this bounds what
 * waits for them (each lookup holds its repository's tag list), as the pipeline bounds its images.
 */
const IMAGES_IN_FLIGHT = 32;

export async function showReferrers(occurrences: readonly ImageOccurrence[], job: PipelineSettings, log: Logger): Promise<Map<string, ReferrerInventory>> {
  const client = new RegistryClient({ ...job.registry, logger: log });
  const distinct = [...new Map(occurrences.map((o) => [formatReference(o.reference), o.reference]))];
  const found = await mapBounded(distinct, IMAGES_IN_FLIGHT, async ([key, ref]) => [key, await referrerInventory(client.artifacts, ref)] as const);
  return new Map(found);
}
