/**
 * attestImages end to end against the fake: idempotence (skip what already verifies, replace what
 * does not), dry run, deduplication, bounded concurrency, and every failure reported clearly.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { attestImages } from '../src/attest/index.js';
import { AggregateReimageError } from '../src/errors.js';
import type { Occurrence } from '../src/gcp/grafeas.js';
import { type TestKey, attestorPublicKey, testKey } from './attest/keys.js';
import { ATTESTOR, KMS_KEY_ID, KMS_VERSION, NOTE, type Env, digestRef, rejection, startEnv } from './attest/setup.js';

let env: Env;
let key: TestKey;
let otherKey: TestKey;
before(async () => {
  env = await startEnv();
  key = await testKey('EC_SIGN_P256_SHA256');
  otherKey = await testKey('ECDSA_P384_SHA384');
  await env.fake.addKmsKey(KMS_VERSION, key);
});
after(() => env.close());
beforeEach(() => {
  env.setAttestor([attestorPublicKey(KMS_KEY_ID, key)]);
  env.fake.faults.length = 0;
  delete env.fake.tamperKms;
  env.fake.pageLimit = 1000;
  env.logs.length = 0;
});

const requestsSince = (from: number) => env.fake.requests.slice(from).map((r) => `${r.method} ${r.path}`);
const creates = (from: number) => requestsSince(from).filter((r) => r.startsWith('POST') && r.endsWith('/occurrences'));
const signs = (from: number) => requestsSince(from).filter((r) => r.endsWith(':asymmetricSign'));

/** An occurrence as another tool left it in Grafeas. */
function storeOccurrence(name: string, fields: Partial<Occurrence>): void {
  env.fake.occurrences.push({ name: `projects/p/occurrences/${name}`, kind: 'ATTESTATION', noteName: NOTE, ...fields });
}

function signed(payload: string, by: TestKey, keyId = KMS_KEY_ID): Occurrence['attestation'] {
  const bytes = Buffer.from(payload);
  return {
    serializedPayload: bytes.toString('base64'),
    signatures: [{ publicKeyId: keyId, signature: sign(by.algorithm.hash, bytes, by.privateKeyPem).toString('base64') }],
  };
}

function gcloudPayloadText(image: string): string {
  const [repo, digest] = image.split('@');
  return `${JSON.stringify({ critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': digest }, type: 'Google cloud binauthz container signature' } }, null, 2)}\n`;
}

describe('idempotence', () => {
  test('an image attested before is skipped, and the user is told', async () => {
    const image = digestRef('gcr.io/p/again', 'again');
    await attestImages([image], env.config());
    const from = env.fake.requests.length;

    const summary = await attestImages([image], env.config());

    assert.deepEqual(summary, { created: [], skipped: [image], wouldCreate: [] });
    assert.deepEqual(creates(from), []);
    assert.deepEqual(signs(from), []);
    assert.match(env.logs.join(''), new RegExp(`${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is already attested for ${ATTESTOR} \\(projects/p/occurrences/.+\\): skipped`));
  });

  test('an attestation the Go reimage made (https:// resource, its payload) counts as present', async () => {
    const image = digestRef('gcr.io/p/from-go', 'go');
    const digest = image.split('@')[1];
    storeOccurrence('go-made', {
      resourceUri: `https://${image}`,
      attestation: signed(`{"critical":{"identitiy":{"docker-reference":"${image}"},"image":{"docker-manifest-digest":"${digest}"},"type":"Google cloud binauthz container signature"}}`, key),
    });
    const from = env.fake.requests.length;

    const summary = await attestImages([image], env.config());

    assert.deepEqual(summary.skipped, [image]);
    assert.deepEqual(creates(from), []);
    // The documented filter, once per resource URI form: gcloud's (no scheme), then the Go tool's.
    const lists = env.fake.requests.slice(from).filter((r) => r.method === 'GET' && r.path === '/v1/projects/p/occurrences');
    assert.deepEqual(lists.map((r) => r.query.get('filter')), [
      `kind="ATTESTATION" AND resourceUrl="${image}"`,
      `kind="ATTESTATION" AND resourceUrl="https://${image}"`,
    ]);
  });

  test('an attestation found under the plain resource URI needs no second lookup', async () => {
    const image = digestRef('gcr.io/p/one-lookup', 'one');
    storeOccurrence('plain', { resourceUri: image, attestation: signed(gcloudPayloadText(image), key) });
    const from = env.fake.requests.length;
    assert.deepEqual((await attestImages([image], env.config())).skipped, [image]);
    assert.deepEqual(requestsSince(from), [`GET /v1/${ATTESTOR}`, 'GET /v1/projects/p/occurrences']);
  });

  const invalidCases: Array<[string, (image: string) => Partial<Occurrence>]> = [
    ['signed by a key that is not the attestor\'s', (image) => ({ resourceUri: image, attestation: signed(gcloudPayloadText(image), otherKey) })],
    ['with a corrupt signature', (image) => {
      const attestation = signed(gcloudPayloadText(image), key);
      const sig = attestation?.signatures?.[0];
      if (sig) sig.signature = Buffer.from('not a signature').toString('base64');
      return { resourceUri: image, attestation };
    }],
    ['whose payload names another digest', (image) => ({ resourceUri: image, attestation: signed(gcloudPayloadText(digestRef(image.split('@')[0] ?? '', 'other')), key) })],
  ];
  for (const [what, occurrence] of invalidCases) {
    test(`an existing attestation ${what} is replaced by a valid one`, async () => {
      const image = digestRef('gcr.io/p/invalid', what);
      storeOccurrence(`bad-${env.fake.occurrences.length}`, occurrence(image));
      const from = env.fake.requests.length;

      const summary = await attestImages([image], env.config());

      assert.deepEqual(summary.created, [image]);
      assert.equal(creates(from).length, 1);
      assert.match(env.logs.join(''), /warn: .* existing attestation projects\/p\/occurrences\/bad-\d+ .* does not verify under the attestor's keys; creating a new one/);
    });
  }

  test('a valid attestation for another note or another repository does not count', async () => {
    const image = digestRef('gcr.io/p/elsewhere', 'elsewhere');
    storeOccurrence('other-note', { noteName: 'projects/p/notes/other', resourceUri: image, attestation: signed(gcloudPayloadText(image), key) });
    storeOccurrence('other-repo', { resourceUri: `evil.example.com/${image}`, attestation: signed(gcloudPayloadText(image), key) });
    const from = env.fake.requests.length;

    assert.deepEqual((await attestImages([image], env.config())).created, [image]);
    assert.equal(creates(from).length, 1);
  });

  test('a verifying attestation on a later page of the listing is found', async () => {
    const image = digestRef('gcr.io/p/paged', 'paged');
    for (let i = 0; i < 3; i++) storeOccurrence(`paged-bad-${i}`, { resourceUri: image, attestation: signed(gcloudPayloadText(image), otherKey) });
    storeOccurrence('paged-good', { resourceUri: image, attestation: signed(gcloudPayloadText(image), key) });
    env.fake.pageLimit = 1;
    const from = env.fake.requests.length;

    assert.deepEqual((await attestImages([image], env.config())).skipped, [image]);
    assert.equal(requestsSince(from).filter((r) => r === 'GET /v1/projects/p/occurrences').length, 4);
  });
});

describe('what gets attested', () => {
  test('each distinct repository@digest once; tags are dropped; -grafeas-parent is honoured', async () => {
    const a = digestRef('gcr.io/p/dedup', 'a');
    const [repo, digest] = a.split('@');
    const b = digestRef('gcr.io/p/dedup-other', 'a'); // same digest, other repository: attested too
    const from = env.fake.requests.length;

    const summary = await attestImages([a, `${repo}:v1@${digest}`, a, b], env.config({ 'grafeas-parent': 'projects/images' }));

    assert.deepEqual([...summary.created].sort(), [a, b].sort());
    assert.deepEqual(creates(from), ['POST /v1/projects/images/occurrences', 'POST /v1/projects/images/occurrences']);
    const resources = env.fake.occurrences.slice(-2).map((o) => o.resourceUri).sort();
    assert.deepEqual(resources, [a, b].sort());
  });

  test('no images: nothing is contacted', async () => {
    const from = env.fake.requests.length;
    assert.deepEqual(await attestImages([], env.config()), { created: [], skipped: [], wouldCreate: [] });
    assert.deepEqual(requestsSince(from), []);
  });

  test('references without a digest are all reported, before anything is contacted', async () => {
    const from = env.fake.requests.length;
    const err = await rejection(attestImages(['gcr.io/p/a:1', digestRef('gcr.io/p/ok', 'ok'), 'Bad/Name@sha256:00'], env.config()));
    assert.ok(err instanceof AggregateReimageError);
    assert.equal(err.errors.length, 2);
    assert.match(err.message, /gcr\.io\/p\/a:1: not a digest reference/);
    assert.match(err.message, /Bad\/Name@sha256:00: invalid image reference/);
    assert.deepEqual(requestsSince(from), []);
  });

  test('at most `concurrency` images are worked on at once', async () => {
    const images = Array.from({ length: 12 }, (_, i) => digestRef(`gcr.io/p/many-${i}`, `many-${i}`));
    env.fake.maxInFlight = 0;
    const summary = await attestImages(images, { ...env.config(), concurrency: 3 });
    assert.equal(summary.created.length, 12);
    assert.ok(env.fake.maxInFlight <= 3, `max in flight ${env.fake.maxInFlight}`);
  });
});

describe('dry run', () => {
  test('signs and creates nothing, says what it would sign, still skips what is attested', async () => {
    const attested = digestRef('gcr.io/p/dry-done', 'done');
    await attestImages([attested], env.config());
    const fresh = digestRef('gcr.io/p/dry-new', 'new');
    env.logs.length = 0;
    const from = env.fake.requests.length;

    const summary = await attestImages([attested, fresh], env.config({ dryrun: true }));

    assert.deepEqual(summary, { created: [], skipped: [attested], wouldCreate: [fresh] });
    assert.deepEqual(creates(from), []);
    assert.deepEqual(signs(from), []);
    const log = env.logs.join('');
    assert.ok(log.includes(`dry run: would attest ${fresh} for ${ATTESTOR} in projects/p, signing with Cloud KMS key version ${KMS_VERSION} (public key ${KMS_KEY_ID}, EC_SIGN_P256_SHA256) this payload:\n${gcloudPayloadText(fresh)}`), log);
  });
});

describe('failures', () => {
  const images = [digestRef('gcr.io/p/fail-1', 'f1'), digestRef('gcr.io/p/fail-2', 'f2')];

  test('403 from Grafeas: every image is listed with the HTTP error, exit 1', async () => {
    env.fake.faults.push({ method: 'POST', path: /\/occurrences$/, status: 403 });
    const err = await rejection(attestImages(images, env.config()));
    assert.match(err.message, new RegExp(`^Binary Authorization attestation for ${ATTESTOR} failed for 2 of 2 image\\(s\\):`));
    for (const image of images) {
      assert.ok(err.message.includes(`  - ${image}: create ATTESTATION occurrence for ${image}: HTTP 403 from ${env.fake.url}/v1/projects/p/occurrences: PERMISSION_DENIED injected failure`), err.message);
    }
  });

  test('passing trouble is retried: attestor 503, KMS 503, Grafeas 429; a create is never sent twice', async () => {
    env.fake.faults.push(
      { method: 'GET', path: /attestors/, status: 503, times: 1 },
      { method: 'POST', path: /:asymmetricSign$/, status: 503, times: 1 },
      { method: 'POST', path: /\/occurrences$/, status: 429, times: 1 },
    );
    const image = digestRef('gcr.io/p/flaky', 'flaky');
    const from = env.fake.requests.length;
    assert.deepEqual((await attestImages([image], env.config())).created, [image]);
    assert.equal(signs(from).length, 2);
    assert.equal(creates(from).length, 2); // the 429 was refused, then one create
    assert.equal(env.fake.occurrences.filter((o) => o.resourceUri === image).length, 1);

    env.fake.faults.push({ method: 'POST', path: /\/occurrences$/, status: 503, times: 1 });
    const other = digestRef('gcr.io/p/flaky-create', 'flaky-create');
    const from2 = env.fake.requests.length;
    const err = await rejection(attestImages([other], env.config()));
    assert.match(err.message, /create ATTESTATION occurrence for .*: HTTP 503 .*UNAVAILABLE injected failure for \/v1\/projects\/p\/occurrences$/);
    assert.equal(creates(from2).length, 1);
  });

  test('a 503 that lasts fails that image only, after the retries; the others are attested', async () => {
    const [bad, good] = [digestRef('gcr.io/p/half-bad', 'h1'), digestRef('gcr.io/p/half-good', 'h2')];
    env.fake.faults.push({ method: 'GET', path: /\/occurrences$/, query: /half-bad/, status: 503 });
    const from = env.fake.requests.length;
    const err = await rejection(attestImages([bad, good], env.config()));
    assert.equal(
      err.message,
      `Binary Authorization attestation for ${ATTESTOR} failed for 1 of 2 image(s):\n  - ${bad}: list occurrences (kind="ATTESTATION" AND resourceUrl="${bad}"): ` +
        `HTTP 503 from ${env.fake.url}/v1/projects/p/occurrences?filter=${encodeURIComponent(`kind="ATTESTATION" AND resourceUrl="${bad}"`).replaceAll('%20', '+')}&pageSize=1000: ` +
        'UNAVAILABLE injected failure for /v1/projects/p/occurrences (gave up after 4 tries)',
    );
    assert.equal(requestsSince(from).filter((r) => r === 'GET /v1/projects/p/occurrences').length, 4 + 2);
    assert.deepEqual(creates(from), ['POST /v1/projects/p/occurrences']);
    assert.equal(env.fake.occurrences.at(-1)?.resourceUri, good);
  });

  test('the attestor cannot be read (403, 404): the error names the attestor', async () => {
    env.fake.faults.push({ method: 'GET', path: /attestors/, status: 403, times: 1 });
    let err = await rejection(attestImages(images, env.config()));
    assert.match(err.message, new RegExp(`^get Binary Authorization attestor ${ATTESTOR}: HTTP 403 .*PERMISSION_DENIED`));
    env.fake.attestors.clear();
    err = await rejection(attestImages(images, env.config()));
    assert.match(err.message, /HTTP 404 .*NOT_FOUND Attestor projects\/p\/attestors\/a not found/);
  });

  test('an attestor without a note or without keys', async () => {
    env.setAttestor([attestorPublicKey(KMS_KEY_ID, key)], '');
    let err = await rejection(attestImages(images, env.config()));
    assert.equal(err.message, `Binary Authorization attestor ${ATTESTOR} has no Grafeas note (userOwnedGrafeasNote.noteReference is empty)`);
    env.setAttestor([]);
    err = await rejection(attestImages(images, env.config()));
    assert.equal(err.message, `Binary Authorization attestor ${ATTESTOR} has no public keys`);
  });

  test('no way to tell the signing key: the first attestor key is not a KMS key', async () => {
    env.setAttestor([attestorPublicKey('ni:///sha-256;abc', key), attestorPublicKey(KMS_KEY_ID, key)]);
    const err = await rejection(attestImages(images, env.config()));
    assert.match(err.message, /first public key of attestor projects\/p\/attestors\/a, "ni:\/\/\/sha-256;abc", is not a Cloud KMS key version; pass -gcp-kms-key or -attestation-key/);
  });

  test('a -gcp-kms-key the attestor does not list', async () => {
    const err = await rejection(attestImages(images, env.config({ 'gcp-kms-key': KMS_VERSION.replace(/1$/, '2') })));
    assert.match(err.message, /attestor projects\/p\/attestors\/a has no public key "\/\/cloudkms.googleapis.com\/v1\/projects\/kp\/.*\/cryptoKeyVersions\/2" \(it has ".*\/1"\); register the key/);
  });

  test('a PGP attestor key cannot sign', async () => {
    env.setAttestor([{ id: 'pgp', asciiArmoredPgpPublicKey: 'x' }]);
    const err = await rejection(attestImages(images, env.config({ 'gcp-kms-key': KMS_VERSION, 'attestation-key-id': 'pgp' })));
    assert.equal(err.message, `public key pgp of attestor ${ATTESTOR} cannot be used: a PGP key`);
  });

  test('a local key that is not the attestor\'s', async () => {
    const keyFile = join(env.dir, 'other.pem');
    await writeFile(keyFile, otherKey.privateKeyPem);
    let err = await rejection(attestImages(images, env.config({ 'attestation-key': keyFile })));
    assert.equal(err.message, `-attestation-key ${keyFile} matches none of the public keys of attestor ${ATTESTOR} ("${KMS_KEY_ID}")`);
    err = await rejection(attestImages(images, env.config({ 'attestation-key': keyFile, 'attestation-key-id': KMS_KEY_ID })));
    assert.equal(err.message, `-attestation-key ${keyFile} is not the private key of attestor ${ATTESTOR}'s public key ${KMS_KEY_ID}`);
  });

  test('a KMS key that is not the one registered on the attestor: nothing is created', async () => {
    // KMS signs with `key`; the attestor lists another P-256 key under the KMS key's id.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    env.setAttestor([{ id: KMS_KEY_ID, pkixPublicKey: { publicKeyPem, signatureAlgorithm: 'EC_SIGN_P256_SHA256' } }]);
    const image = digestRef('gcr.io/p/wrong-kms', 'w');
    const from = env.fake.requests.length;
    const err = await rejection(attestImages([image], env.config()));
    assert.equal(creates(from).length, 0);
    assert.match(err.message, /the signature made with Cloud KMS key version .* does not verify under public key \/\/cloudkms.*\/1 of attestor projects\/p\/attestors\/a/);
  });

  const corruptions: Array<[string, (r: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
    ['signatureCrc32c does not match', (r) => ({ ...r, signatureCrc32c: String(Number(r.signatureCrc32c) ^ 1) }), /signature checksum \(signatureCrc32c\) does not match/],
    ['verifiedDigestCrc32c is false', (r) => ({ ...r, verifiedDigestCrc32c: false }), /did not verify the digest checksum/],
    ['the key name differs', (r) => ({ ...r, name: 'projects/x' }), /KMS answered for "projects\/x"/],
  ];
  for (const [what, tamper, message] of corruptions) {
    test(`KMS integrity: ${what}`, async () => {
      env.fake.tamperKms = tamper;
      const from = env.fake.requests.length;
      const err = await rejection(attestImages([digestRef('gcr.io/p/crc', what)], env.config()));
      assert.match(err.message, message);
      assert.match(err.message, /, 3 times; the requests or responses were corrupted in transit$/);
      assert.equal(signs(from).length, 3);
      assert.equal(creates(from).length, 0);
    });
  }

  test('KMS integrity: one corrupted answer is signed again and the attestation is made', async () => {
    let corrupt = 1;
    env.fake.tamperKms = (r) => (corrupt-- > 0 ? { ...r, signatureCrc32c: '1' } : r);
    const image = digestRef('gcr.io/p/crc-once', 'once');
    const from = env.fake.requests.length;
    assert.deepEqual((await attestImages([image], env.config())).created, [image]);
    assert.equal(signs(from).length, 2);
    assert.equal(creates(from).length, 1);
  });
});
