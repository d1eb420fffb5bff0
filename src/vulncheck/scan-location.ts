/**
 * Where the gate reads each final image: at its final name, by digest, once it is there. A
 * scanner runs before the copies (and -dryrun and -no-copy copy nothing), so a renamed image may
 * not be at its final name yet: its source, by the same digest, holds the same content, and is
 * scanned instead.
 */
import type { MappingEntry } from '../mappings/format.js';
import type { RegistryAccess } from '../pipeline/pipeline.js';
import { formatReference, parseReference, withDigest } from '../reference/reference.js';
import { type EndpointOptions, mirrorFor } from '../registry/endpoints.js';

/** The final image by digest (registry/repo@sha256:…): what the gate checks and attestations name. */
export function finalDigestRef(entry: MappingEntry): string {
  return formatReference(withDigest(parseReference(entry.tag), entry.digest));
}

/**
 * Final digest reference → source digest reference, for every image whose final name does not hold
 * its digest. The source is named as reimage reads it: through its -registry-mirror, when one is
 * set, since the scanner knows nothing of reimage's mirrors. Pass the run's ResolveOnce: the
 * pipeline already resolved every final name, so this asks the registry nothing new.
 */
export async function uncopiedSources(
  mappings: ReadonlyMap<string, MappingEntry>,
  registry: Pick<RegistryAccess, 'resolve'>,
  mirrors: EndpointOptions['mirrors'],
): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  await Promise.all([...mappings].map(async ([original, entry]) => {
    const atFinal = await registry.resolve(parseReference(entry.tag));
    if (atFinal?.digest === entry.digest) return;
    const source = withDigest(parseReference(original), entry.digest);
    const mirror = mirrorFor(source.domain, mirrors);
    sources.set(finalDigestRef(entry), formatReference(mirror ? { ...source, domain: mirror } : source));
  }));
  return sources;
}
