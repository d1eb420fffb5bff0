/**
 * Real key pairs for every attestor signature algorithm, generated once per test process.
 */
import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { type SignatureAlgorithm, signatureAlgorithm } from '../../src/attest/algorithms.js';

export interface TestKey {
  readonly algorithm: SignatureAlgorithm;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly publicKey: KeyObject;
}

const generate = promisify(generateKeyPair);
const cache = new Map<string, Promise<{ privateKeyPem: string; publicKeyPem: string }>>();

/** A key pair fit for `algorithmName`; algorithms of the same key shape share one pair. */
export async function testKey(algorithmName: string, format: 'pkcs8' | 'sec1' | 'pkcs1' = 'pkcs8'): Promise<TestKey> {
  const algorithm = signatureAlgorithm(algorithmName);
  if (!algorithm) throw new Error(`unknown algorithm ${algorithmName}`);
  const shape = algorithm.key.type === 'ec' ? algorithm.key.curve : `rsa${algorithm.key.bits}`;
  let pair = cache.get(shape);
  if (!pair) {
    pair = (algorithm.key.type === 'ec'
      ? generate('ec', { namedCurve: algorithm.key.curve })
      : generate('rsa', { modulusLength: algorithm.key.bits })
    ).then(({ privateKey }) => ({
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    }));
    cache.set(shape, pair);
  }
  const { privateKeyPem, publicKeyPem } = await pair;
  const exported = format === 'pkcs8' ? privateKeyPem : createPrivateKey(privateKeyPem).export({ type: format, format: 'pem' }).toString();
  return { algorithm, privateKeyPem: exported, publicKeyPem, publicKey: createPublicKey(publicKeyPem) };
}

/** The attestor public key entry for this key, as the Binary Authorization API returns it. */
export function attestorPublicKey(id: string, key: TestKey): unknown {
  return { id, pkixPublicKey: { publicKeyPem: key.publicKeyPem, signatureAlgorithm: key.algorithm.name } };
}
