/** The OCI distribution client: resolve, copy, push and pull images in any registry. */
export { RegistryClient, DEFAULT_REGISTRY_CONCURRENCY, type RegistryClientOptions } from './client.js';
export type { CopyOptions, CopyResult } from './copy.js';
export type { ResolvedManifest } from './manifests.js';
export type { SmallImage, PulledLayer } from './small-image.js';
export type { RetryPolicy, TransportStats } from './transport.js';
export { CredentialsError, findCredentials, credentialFiles, type Credential } from './credentials.js';
export {
  RegistryError, RegistryAuthError, ClobberRefusedError, DigestMismatchError, UnsupportedImageError,
  type RegistryErrorDetail,
} from './errors.js';
export { OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from './media-types.js';
