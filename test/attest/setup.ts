/**
 * Shared set-up for the attestation tests: a fake GCP, a token file, an attestor on the fake, and
 * AttestConfig built through the real flag path.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttestConfig, type AttestFlagValues, attestConfigFromFlags } from '../../src/attest/index.js';
import { ReimageError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { type FakeGcp, startFakeGcp } from './fake-gcp.js';

export const PROJECT = 'p';
export const ATTESTOR = 'projects/p/attestors/a';
export const NOTE = 'projects/p/notes/n';
export const KMS_VERSION = 'projects/kp/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';
export const KMS_KEY_ID = `//cloudkms.googleapis.com/v1/${KMS_VERSION}`;
/** Retries as the product makes them, without the waiting. */
export const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 } as const;

/** A digest reference with a digest derived from `seed`. */
export function digestRef(repo: string, seed: string): string {
  return `${repo}@sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

/** The error `promise` rejects with, which must be a ReimageError with exit status 1. */
export async function rejection(promise: Promise<unknown>): Promise<ReimageError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ReimageError, `expected a ReimageError, got ${String(err)}`);
  assert.equal(err.exitCode, 1);
  return err;
}

export interface Env {
  readonly fake: FakeGcp;
  readonly dir: string;
  /** Everything logged (stderr lines), in order. */
  readonly logs: string[];
  /** Config from flag values: the fake's endpoints, a token file, and `flags` on top; FAST_RETRY. */
  config(flags?: Partial<AttestFlagValues>): AttestConfig;
  /** Puts an attestor with these public keys on the fake. */
  setAttestor(publicKeys: unknown[], note?: string): void;
  close(): Promise<void>;
}

export async function startEnv(): Promise<Env> {
  const fake = await startFakeGcp();
  const dir = await mkdtemp(join(tmpdir(), 'reimage-attest-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'test-token\n');
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  return {
    fake,
    dir,
    logs,
    config(flags = {}) {
      const values: AttestFlagValues = {
        'binauthz-attestor': ATTESTOR,
        'binauthz-endpoint': fake.url,
        'gcp-kms-key': '',
        'gcp-kms-endpoint': fake.url,
        'attestation-key': '',
        'attestation-key-id': '',
        'grafeas-parent': '',
        'grafeas-endpoint': fake.url,
        'gcp-access-token-file': tokenFile,
        dryrun: false,
        ...flags,
      };
      const config = attestConfigFromFlags(values, logger);
      if (!config) throw new Error('no attestation config');
      return { ...config, retry: FAST_RETRY };
    },
    setAttestor(publicKeys, note = NOTE) {
      fake.attestors.set(ATTESTOR, {
        name: ATTESTOR,
        userOwnedGrafeasNote: { noteReference: note, publicKeys, delegationServiceAccountEmail: 'x@p.iam.gserviceaccount.com' },
        updateTime: '2024-01-01T00:00:00Z',
      });
    },
    async close() {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
