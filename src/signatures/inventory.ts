/**
 * `-list-images -show-referrers`: for an image, its digest and what refers to it in its own
 * repository: cosign's `.sig`/`.att`/`.sbom` manifests and OCI referrers (referrers API or tag
 * schema). Only the image itself is looked at, not the platform manifests of an index.
 */
import { repositoryName, type ImageReference } from '../reference/reference.js';
import type { ArtifactStore, Repository } from '../registry/index.js';
import { cosignTag } from './cosign.js';

export interface ReferrerInventory {
  /** undefined when the image does not exist. */
  readonly digest?: string;
  readonly signatures?: string;
  readonly attestations?: string;
  readonly sboms?: string;
  readonly referrers?: readonly { readonly digest: string; readonly artifactType?: string }[];
  /** Why the lookup failed, instead of the fields above. */
  readonly error?: string;
}

export async function referrerInventory(store: ArtifactStore, ref: ImageReference): Promise<ReferrerInventory> {
  const repo: Repository = { registry: ref.domain, path: ref.path };
  try {
    const resolved = await store.head(repo, ref.digest ?? ref.tag ?? 'latest');
    if (!resolved) return { error: `${repositoryName(ref)}: image not found` };
    const { digest } = resolved;
    const tags = new Set(await store.tags(repo));
    const tagDigest = async (suffix: 'sig' | 'att' | 'sbom') => (tags.has(cosignTag(digest, suffix)) ? (await store.head(repo, cosignTag(digest, suffix)))?.digest : undefined);
    const [signatures, attestations, sboms, listed] = await Promise.all([
      tagDigest('sig'), tagDigest('att'), tagDigest('sbom'),
      store.referrers(repo, digest, { tagMayExist: tags.has(digest.replace(':', '-')) }),
    ]);
    return {
      digest,
      ...(signatures && { signatures }),
      ...(attestations && { attestations }),
      ...(sboms && { sboms }),
      referrers: listed.referrers.map((r) => ({ digest: r.digest, ...(r.artifactType && { artifactType: r.artifactType }) })),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
