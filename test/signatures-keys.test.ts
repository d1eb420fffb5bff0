/**
 * -verify-signature-key keys: which are accepted, and that signatures made by another tool
 * (the openssl command line, as `cosign sign` makes them: ASN.1 ECDSA and PKCS #1 v1.5 RSA over
 * SHA-256, pure Ed25519) verify, and tampered ones do not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadVerificationKeys, verifiesUnder } from '../src/signatures/keys.js';

const run = promisify(execFile);

describe('verification keys', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reimage-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: [string, string[], string[]][] = [
    ['ecdsa-p256', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['dgst', '-sha256', '-sign']],
    ['ecdsa-p384', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['dgst', '-sha256', '-sign']],
    ['rsa-2048', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ['dgst', '-sha256', '-sign']],
    ['ed25519', ['genpkey', '-algorithm', 'ED25519'], ['pkeyutl', '-sign', '-rawin', '-inkey']],
  ];
  for (const [kind, genArgs, signArgs] of cases) {
    it(`verifies ${kind} signatures made by openssl, and no tampered one`, async () => {
      const priv = path.join(dir, `${kind}.key`);
      const pub = path.join(dir, `${kind}.pub`);
      const payload = path.join(dir, `${kind}.payload`);
      const sig = path.join(dir, `${kind}.sig`);
      await run('openssl', [...genArgs, '-out', priv]);
      await run('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub]);
      await writeFile(payload, '{"critical":{"identity":{"docker-reference":"r/a"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}');
      await run('openssl', [...signArgs, priv, ...(signArgs[0] === 'pkeyutl' ? ['-in', payload] : []), '-out', sig, ...(signArgs[0] === 'dgst' ? [payload] : [])]);
      const [key] = await loadVerificationKeys([pub]);
      assert.equal(key!.kind, kind);
      const bytes = await readFile(payload);
      const signature = await readFile(sig);
      assert.ok(verifiesUnder(key!, bytes, signature));
      assert.ok(!verifiesUnder(key!, Buffer.concat([bytes, Buffer.from(' ')]), signature), 'changed payload');
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 1]! ^= 1;
      assert.ok(!verifiesUnder(key!, bytes, flipped), 'changed signature');
      assert.ok(!verifiesUnder(key!, bytes, Buffer.from('not a signature')), 'garbage');
    });
  }

  it('refuses keys it cannot use, naming the file and why (exit 2)', async () => {
    const write = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    };
    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const expectations: [string, RegExp][] = [
      [await write('p521.pub', p521.publicKey.export({ type: 'spki', format: 'pem' }).toString()), /curve secp521r1 is not supported \(want P-256 or P-384\)/],
      [await write('rsa1024.pub', rsa1024.publicKey.export({ type: 'spki', format: 'pem' }).toString()), /RSA key of 1024 bits is too short/],
      [await write('private.pem', p521.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /holds a private key; give the public key/],
      [await write('junk.pub', 'hello'), /not a PEM public key/],
      // An endless file is not read to the end.
      ['/dev/zero', /not a PEM public key \(larger than 64 KiB\)/],
    ];
    for (const [file, message] of expectations) {
      await assert.rejects(loadVerificationKeys([file]), (err: Error & { exitCode?: number }) => {
        assert.match(err.message, new RegExp(`${file.replaceAll('.', '\\.')}.*-verify-signature-key|-verify-signature-key.*${path.basename(file).replaceAll('.', '\\.')}`));
        assert.match(err.message, message);
        assert.equal(err.exitCode, 2);
        return true;
      });
    }
  });
});
