/**
 * The signed payload against gcloud's bytes, CRC32C against gcloud's, and attestation flag
 * validation (usage errors name the flag).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32c } from '../src/attest/crc32c.js';
import { type AttestFlagValues, attestConfigFromFlags } from '../src/attest/index.js';
import { signaturePayload } from '../src/attest/payload.js';
import { parseFlags } from '../src/cli/flags.js';
import { FLAGS } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { parseReference } from '../src/reference/reference.js';
import { GCLOUD, gcloudCrc32c, gcloudPayload } from './attest/gcloud.js';
import { testKey } from './attest/keys.js';

const noGcloud = GCLOUD ? false : 'gcloud is not installed';
const hex = 'c0ffee'.repeat(10) + 'abcd';

describe('payload', { skip: noGcloud }, () => {
  const refs = [
    `gcr.io/p/img@sha256:${hex}`,
    `docker.io/library/nginx@sha256:${hex}`,
    `127.0.0.1:5000/a/b/c@sha256:${hex}`,
    `europe-west1-docker.pkg.dev/proj/repo/sub/app_x-1.2@sha256:${hex}`,
    `[::1]:5000/app@sha256:${hex}`,
  ];
  for (const ref of refs) {
    test(`is byte-identical to gcloud's for ${ref}`, async () => {
      const parsed = parseReference(ref);
      assert.ok(parsed.digest);
      const ours = signaturePayload({ domain: parsed.domain, path: parsed.path, digest: parsed.digest });
      const theirs = await gcloudPayload(ref);
      assert.equal(ours.toString('utf8'), theirs.toString('utf8'));
      assert.ok(ours.equals(theirs));
    });
  }
});

describe('crc32c', () => {
  test('the check value of CRC-32C', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });
  test('agrees with gcloud on digests and signatures', { skip: noGcloud }, async () => {
    const inputs = [Buffer.alloc(32), Buffer.alloc(32, 0xff), ...[1, 31, 32, 48, 64, 71, 512].map((n) => randomBytes(n))];
    assert.deepEqual(inputs.map(crc32c), await gcloudCrc32c(inputs));
  });
});

describe('attestConfigFromFlags', () => {
  let dir: string;
  const logs: string[] = [];
  const logger = createLogger({ write: (line) => logs.push(line) });
  const flags = (over: Partial<AttestFlagValues>): AttestFlagValues => ({
    'binauthz-attestor': 'projects/p/attestors/a',
    'binauthz-endpoint': 'https://binaryauthorization.googleapis.com',
    'gcp-kms-key': '',
    'gcp-kms-endpoint': 'https://cloudkms.googleapis.com',
    'attestation-key': '',
    'attestation-key-id': '',
    'grafeas-parent': '',
    'grafeas-endpoint': 'https://containeranalysis.googleapis.com',
    'gcp-access-token-file': '',
    dryrun: false,
    ...over,
  });
  const usageError = (over: Partial<AttestFlagValues>, message: string | RegExp) => {
    assert.throws(() => attestConfigFromFlags(flags(over), logger), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.exitCode, 2);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reimage-attest-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('no -binauthz-attestor: no attestation, and signing flags are called out as unused', () => {
    logs.length = 0;
    assert.equal(attestConfigFromFlags(flags({ 'binauthz-attestor': '', 'gcp-kms-key': 'x' }), logger), undefined);
    assert.deepEqual(logs, ['reimage: warn: -gcp-kms-key has no effect without -binauthz-attestor\n']);
  });

  test('takes the CLI\'s parsed flag values as they are, defaults included', () => {
    const { values } = parseFlags(FLAGS, ['-binauthz-attestor', 'projects/p/attestors/a', '-attestation-key-id=kid', '-dryrun']);
    const config = attestConfigFromFlags(values, logger);
    assert.equal(config?.binauthzEndpoint, 'https://binaryauthorization.googleapis.com');
    assert.equal(config?.kmsEndpoint, 'https://cloudkms.googleapis.com');
    assert.equal(config?.grafeasEndpoint, 'https://containeranalysis.googleapis.com');
    assert.deepEqual(config?.signing, { kind: 'kms', keyId: 'kid' });
    assert.equal(config?.dryRun, true);
  });

  test('defaults: KMS, the attestor\'s first key, the attestor\'s project', () => {
    const config = attestConfigFromFlags(flags({}), logger);
    assert.deepEqual(config?.signing, { kind: 'kms' });
    assert.equal(config?.grafeasParent, undefined);
    assert.equal(config?.dryRun, false);
  });

  test('-gcp-kms-key in both spellings', () => {
    const name = 'projects/k/locations/l/keyRings/r/cryptoKeys/c/cryptoKeyVersions/3';
    for (const given of [name, `//cloudkms.googleapis.com/v1/${name}`]) {
      assert.deepEqual(attestConfigFromFlags(flags({ 'gcp-kms-key': given, 'attestation-key-id': 'kid' }), logger)?.signing, { kind: 'kms', keyVersion: name, keyId: 'kid' });
    }
  });

  test('malformed names', () => {
    usageError({ 'binauthz-attestor': 'projects/p/notes/n' }, 'invalid value "projects/p/notes/n" for flag -binauthz-attestor: want projects/PROJECT/attestors/ATTESTOR');
    usageError({ 'binauthz-attestor': 'a' }, /flag -binauthz-attestor/);
    usageError({ 'gcp-kms-key': 'projects/k/locations/l/keyRings/r/cryptoKeys/c' }, /^invalid value ".*" for flag -gcp-kms-key: want projects\/P\/locations\/L\/keyRings\/R\/cryptoKeys\/K\/cryptoKeyVersions\/V$/);
    usageError({ 'grafeas-parent': 'p' }, 'invalid value "p" for flag -grafeas-parent: want projects/PROJECT');
    usageError({ 'gcp-kms-endpoint': 'ftp://x' }, 'invalid value "ftp://x" for flag -gcp-kms-endpoint: want an http or https URL');
    usageError({ 'binauthz-endpoint': 'not a url' }, /flag -binauthz-endpoint/);
    usageError({ 'grafeas-endpoint': '' }, /flag -grafeas-endpoint/);
  });

  test('-gcp-kms-key and -attestation-key together', () => {
    usageError(
      { 'gcp-kms-key': 'projects/k/locations/l/keyRings/r/cryptoKeys/c/cryptoKeyVersions/3', 'attestation-key': 'k.pem' },
      '-gcp-kms-key and -attestation-key cannot be used together: pick one way to sign',
    );
  });

  test('-attestation-key files that cannot be used', async () => {
    const missing = join(dir, 'missing.pem');
    usageError({ 'attestation-key': missing }, new RegExp(`^cannot read -attestation-key ${missing}: .*ENOENT`));
    const publicOnly = join(dir, 'public.pem');
    await writeFile(publicOnly, (await testKey('ECDSA_P256_SHA256')).publicKeyPem);
    usageError({ 'attestation-key': publicOnly }, new RegExp(`^-attestation-key ${publicOnly} is not a usable PEM private key: `));
    const { generateKeyPairSync } = await import('node:crypto');
    const encrypted = join(dir, 'encrypted.pem');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await writeFile(encrypted, ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }));
    usageError({ 'attestation-key': encrypted }, `-attestation-key ${encrypted} is not a usable PEM private key: encrypted keys are not supported`);
    const ed = join(dir, 'ed25519.pem');
    await writeFile(ed, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    usageError({ 'attestation-key': ed }, `-attestation-key ${ed} is a key of type ed25519; use an EC P-256, P-384 or P-521 key or an RSA key`);
    const k1 = join(dir, 'secp256k1.pem');
    await writeFile(k1, generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    usageError({ 'attestation-key': k1 }, `-attestation-key ${k1} is an EC secp256k1 key; use an EC P-256, P-384 or P-521 key or an RSA key`);
  });
});
