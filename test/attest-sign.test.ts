/**
 * Signing under every attestor algorithm, with Cloud KMS (the fake signs with a real key) and with
 * a local PEM key; every signature is verified with node:crypto against the attestor's public key,
 * and the occurrence sent is compared with the one gcloud sends for the same attestation.
 */
import assert from 'node:assert/strict';
import { constants, createHash, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SIGNATURE_ALGORITHM_NAMES } from '../src/attest/algorithms.js';
import { crc32c } from '../src/attest/crc32c.js';
import { attestImages } from '../src/attest/index.js';
import type { Occurrence } from '../src/gcp/grafeas.js';
import { GCLOUD, gcloudCreateAttestation } from './attest/gcloud.js';
import { type TestKey, attestorPublicKey, testKey } from './attest/keys.js';
import { ATTESTOR, KMS_KEY_ID, KMS_VERSION, NOTE, PROJECT, type Env, digestRef, startEnv } from './attest/setup.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.close());

/** The payload gcloud makes, written out by hand. */
function expectedPayload(repo: string, digest: string): string {
  return `{
  "critical": {
    "identity": {
      "docker-reference": "${repo}"
    },
    "image": {
      "docker-manifest-digest": "${digest}"
    },
    "type": "Google cloud binauthz container signature"
  }
}
`;
}

/** Verifies like Binary Authorization: DER ECDSA, PKCS#1 v1.5, or PSS with a digest-length salt. */
function assertSignatureVerifies(key: TestKey, payload: Buffer, signatureB64: string): void {
  const { algorithm } = key;
  const pss = algorithm.key.type === 'rsa' && algorithm.key.padding === 'pss';
  const saltLength = createHash(algorithm.hash).digest().length;
  const ok = verify(
    algorithm.hash,
    payload,
    pss ? { key: key.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : { key: key.publicKeyPem, dsaEncoding: 'der' },
    Buffer.from(signatureB64, 'base64'),
  );
  assert.ok(ok, `signature does not verify under the ${algorithm.name} public key`);
}

/** The occurrence bodies POSTed to Grafeas since `from`. */
function createdSince(from: number): Occurrence[] {
  return env.fake.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/occurrences')).map((r) => r.body as Occurrence);
}

function checkOccurrence(occurrence: Occurrence | undefined, image: string, keyId: string, key: TestKey): void {
  assert.ok(occurrence);
  const [repo = '', digest = ''] = image.split('@');
  assert.equal(occurrence.kind, 'ATTESTATION');
  assert.equal(occurrence.noteName, NOTE);
  assert.equal(occurrence.resourceUri, image);
  const payload = Buffer.from(occurrence.attestation?.serializedPayload ?? '', 'base64');
  assert.equal(payload.toString('utf8'), expectedPayload(repo, digest));
  assert.equal(occurrence.attestation?.signatures?.length, 1);
  const signature = occurrence.attestation?.signatures?.[0];
  assert.equal(signature?.publicKeyId, keyId);
  assertSignatureVerifies(key, payload, signature?.signature ?? '');
}

describe('Cloud KMS signing', () => {
  for (const name of SIGNATURE_ALGORITHM_NAMES) {
    test(name, async () => {
      const key = await testKey(name);
      env.setAttestor([attestorPublicKey(KMS_KEY_ID, key)]);
      await env.fake.addKmsKey(KMS_VERSION, key);
      const image = digestRef(`gcr.io/p/kms-${name.toLowerCase()}`, name);
      const from = env.fake.requests.length;

      const summary = await attestImages([image], env.config());

      assert.deepEqual(summary, { created: [image], skipped: [], wouldCreate: [] });
      const [occurrence] = createdSince(from);
      checkOccurrence(occurrence, image, KMS_KEY_ID, key);
      // KMS got the digest of exactly the payload, with its CRC32C.
      const sign = env.fake.requestsTo('POST', /:asymmetricSign$/).at(-1);
      assert.equal(sign?.path, `/v1/${KMS_VERSION}:asymmetricSign`);
      const payload = Buffer.from(occurrence?.attestation?.serializedPayload ?? '', 'base64');
      const digest = createHash(key.algorithm.hash).update(payload).digest();
      // The KMS REST shape: digest.<sha256|sha384|sha512> in base64, digestCrc32c as an int64 string.
      assert.deepEqual(sign?.body, { digest: { [key.algorithm.hash]: digest.toString('base64') }, digestCrc32c: String(crc32c(digest)) });
      assert.equal(sign?.authorization, 'Bearer test-token');
    });
  }
});

describe('local PEM key signing', () => {
  for (const name of SIGNATURE_ALGORITHM_NAMES) {
    test(name, async () => {
      // PKCS#8, and the traditional SEC1 / PKCS#1 PEM forms too.
      const format = name.includes('P384') || name.includes('PKCS1_2048') ? (name.startsWith('E') ? 'sec1' : 'pkcs1') : 'pkcs8';
      const key = await testKey(name, format);
      const keyId = `ni:///sha-256;${name}`;
      env.setAttestor([{ id: 'pgp-first', asciiArmoredPgpPublicKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----' }, attestorPublicKey(keyId, key)]);
      const keyFile = join(env.dir, `${name}.pem`);
      await writeFile(keyFile, key.privateKeyPem);
      const image = digestRef(`registry.example.com/team/local-${name.toLowerCase()}`, name);
      const from = env.fake.requests.length;

      // Without -attestation-key-id the attestor key matching the private key is used.
      const summary = await attestImages([image], env.config({ 'attestation-key': keyFile }));

      assert.deepEqual(summary, { created: [image], skipped: [], wouldCreate: [] });
      checkOccurrence(createdSince(from)[0], image, keyId, key);
      assert.equal(env.fake.requestsTo('POST', /:asymmetricSign$/).filter((r) => env.fake.requests.indexOf(r) >= from).length, 0);
    });
  }
});

describe('the occurrence is the one gcloud sends', { skip: GCLOUD ? false : 'gcloud is not installed' }, () => {
  const cases = [
    { what: 'Cloud KMS', algorithm: 'EC_SIGN_P256_SHA256', kms: true },
    { what: 'local key', algorithm: 'RSA_SIGN_PKCS1_3072_SHA256', kms: false },
  ];
  for (const c of cases) {
    test(c.what, async () => {
      const key = await testKey(c.algorithm);
      const keyId = c.kms ? KMS_KEY_ID : 'https://keys.example.com/attestor-key';
      env.setAttestor([attestorPublicKey(keyId, key)]);
      let flags = {};
      if (c.kms) {
        await env.fake.addKmsKey(KMS_VERSION, key);
      } else {
        const keyFile = join(env.dir, 'gcloud-case.pem');
        await writeFile(keyFile, key.privateKeyPem);
        flags = { 'attestation-key': keyFile, 'attestation-key-id': keyId };
      }
      const image = digestRef('us-docker.pkg.dev/p/repo/app', c.what);
      const from = env.fake.requests.length;
      await attestImages([image], env.config(flags));
      const ourRequest = env.fake.requestsTo('POST', /\/occurrences$/).find((r) => env.fake.requests.indexOf(r) >= from);
      const ours = ourRequest?.body as Occurrence | undefined;
      assert.ok(ours);

      const gcloudFrom = env.fake.requests.length;
      await gcloudCreateAttestation(env.fake.url, {
        project: PROJECT,
        artifactUrl: image,
        attestor: ATTESTOR,
        keyId,
        signature: Buffer.from(ours.attestation?.signatures?.[0]?.signature ?? '', 'base64'),
      });
      const gcloudRequests = env.fake.requests.slice(gcloudFrom);
      assert.deepEqual(gcloudRequests.map((r) => `${r.method} ${r.path}`), [`GET /v1/${ATTESTOR}`, `POST /v1/projects/${PROJECT}/occurrences`]);
      // The same JSON, down to key order and base64 alphabet; only insignificant whitespace differs
      // (gcloud's Python writes ", " and ": ").
      assert.deepEqual(ours, gcloudRequests[1]?.body);
      assert.equal(ourRequest?.raw, JSON.stringify(JSON.parse(gcloudRequests[1]?.raw ?? 'null')));
    });
  }
});
