/**
 * Names of Cloud KMS key versions, as flags and attestor keys write them. Apart from the signer so
 * that checking the flags at start-up does not load the REST client.
 */

/** Attestor public key ids name KMS keys as this prefix plus the key version's resource name. */
export const KMS_KEY_ID_PREFIX = '//cloudkms.googleapis.com/v1/';

const KEY_VERSION_RE = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/;

/** "projects/…/cryptoKeyVersions/N" from either that or its "//cloudkms.googleapis.com/v1/…" id. */
export function kmsKeyVersionName(text: string): string | undefined {
  const name = text.startsWith(KMS_KEY_ID_PREFIX) ? text.slice(KMS_KEY_ID_PREFIX.length) : text;
  return KEY_VERSION_RE.test(name) ? name : undefined;
}
