/**
 * Attestation settings from the command-line flags, validated up front so that a bad flag fails
 * with exit 2 before any image is touched.
 */
import { type KeyObject, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError, errorMessage, invalidFlagValue } from '../errors.js';
import { type AccessTokenSource, accessTokenSource } from '../gcp/access-token.js';
import type { Logger } from '../log.js';
import type { RetryPolicy } from '../retry.js';
import { describeKey } from './algorithms.js';
import { kmsKeyVersionName } from './kms-key-name.js';
import type { SigningSpec } from './signing-key.js';

/** The flags attestation reads (a structural subset of the CLI's flag values). */
export interface AttestFlagValues {
  'binauthz-attestor': string;
  'binauthz-endpoint': string;
  'gcp-kms-key': string;
  'gcp-kms-endpoint': string;
  'attestation-key': string;
  'attestation-key-id': string;
  'grafeas-parent': string;
  'grafeas-endpoint': string;
  'gcp-access-token-file': string;
  dryrun: boolean;
}

export interface AttestConfig {
  /** projects/P/attestors/A */
  readonly attestor: string;
  readonly binauthzEndpoint: string;
  readonly grafeasEndpoint: string;
  readonly kmsEndpoint: string;
  /** Where occurrences are listed and created; default: the attestor's project. */
  readonly grafeasParent?: string;
  readonly signing: SigningSpec;
  readonly tokens: AccessTokenSource;
  /** Sign nothing, create nothing: say what would be attested. */
  readonly dryRun: boolean;
  readonly logger: Logger;
  /** Images attested at once. */
  readonly concurrency: number;
  /** Retries of Google API calls; default: DEFAULT_GCP_RETRY. */
  readonly retry?: RetryPolicy;
}

const DEFAULT_ATTEST_CONCURRENCY = 8;

const ATTESTOR_RE = /^projects\/[^/]+\/attestors\/[^/]+$/;
const PARENT_RE = /^projects\/[^/]+$/;
const SUPPORTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** The attestation settings, or undefined when -binauthz-attestor is not set (nothing to attest). */
export function attestConfigFromFlags(values: AttestFlagValues, logger: Logger): AttestConfig | undefined {
  const attestor = values['binauthz-attestor'];
  if (attestor === '') {
    for (const flag of ['gcp-kms-key', 'attestation-key', 'attestation-key-id'] as const) {
      if (values[flag] !== '') logger.warn(`-${flag} has no effect without -binauthz-attestor`);
    }
    return undefined;
  }
  if (!ATTESTOR_RE.test(attestor)) throw invalidFlagValue('binauthz-attestor', attestor, 'want projects/PROJECT/attestors/ATTESTOR');
  const parent = values['grafeas-parent'];
  if (parent !== '' && !PARENT_RE.test(parent)) throw invalidFlagValue('grafeas-parent', parent, 'want projects/PROJECT');
  return {
    attestor,
    binauthzEndpoint: endpoint(values, 'binauthz-endpoint'),
    grafeasEndpoint: endpoint(values, 'grafeas-endpoint'),
    kmsEndpoint: endpoint(values, 'gcp-kms-endpoint'),
    ...(parent !== '' && { grafeasParent: parent }),
    signing: signingSpec(values),
    tokens: accessTokenSource(values['gcp-access-token-file'] || undefined),
    dryRun: values.dryrun,
    logger,
    concurrency: DEFAULT_ATTEST_CONCURRENCY,
  };
}

function signingSpec(values: AttestFlagValues): SigningSpec {
  const keyId = values['attestation-key-id'] || undefined;
  const keyFile = values['attestation-key'];
  const kmsKey = values['gcp-kms-key'];
  if (keyFile !== '' && kmsKey !== '') throw new UsageError('-gcp-kms-key and -attestation-key cannot be used together: pick one way to sign');
  if (keyFile !== '') return { kind: 'local', privateKey: readPrivateKey(keyFile), path: keyFile, ...(keyId && { keyId }) };
  if (kmsKey === '') return { kind: 'kms', ...(keyId && { keyId }) };
  const keyVersion = kmsKeyVersionName(kmsKey);
  if (!keyVersion) {
    throw invalidFlagValue('gcp-kms-key', kmsKey, 'want projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V');
  }
  return { kind: 'kms', keyVersion, ...(keyId && { keyId }) };
}

function readPrivateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read -attestation-key ${path}: ${errorMessage(err)}`);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new UsageError(`-attestation-key ${path} is not a usable PEM private key: encrypted keys are not supported`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new UsageError(`-attestation-key ${path} is not a usable PEM private key: ${errorMessage(err)}`);
  }
  const type = key.asymmetricKeyType;
  const supported = type === 'rsa' || type === 'rsa-pss' || (type === 'ec' && SUPPORTED_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? ''));
  if (!supported) {
    throw new UsageError(`-attestation-key ${path} is ${describeKey(key)}; use an EC P-256, P-384 or P-521 key or an RSA key`);
  }
  return key;
}

function endpoint(values: AttestFlagValues, flag: 'binauthz-endpoint' | 'grafeas-endpoint' | 'gcp-kms-endpoint'): string {
  const text = values[flag];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidFlagValue(flag, text, 'want an http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidFlagValue(flag, text, 'want an http or https URL');
  return text;
}
