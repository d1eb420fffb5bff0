/** The OCI distribution client: resolve, copy, push and pull images in any registry. */
export { RegistryClient, type RegistryClientOptions } from './client.js';
export type { CopyOptions } from './copy.js';
export type { SmallImage, PulledLayer } from './small-image.js';
export { findCredentials } from './credentials.js';
export { RegistryError, RegistryAuthError, ClobberRefusedError, DigestMismatchError, UnsupportedImageError } from './errors.js';
export { OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from './media-types.js';
export type { ArtifactStore, ReferrerDescriptor } from './referrers.js';
export { referrersTag, referrerIndexBytes } from './referrers.js';
export type { FetchedManifest } from './manifests.js';
export type { Repository } from './repository.js';
export { parseManifest } from './media-types.js';
