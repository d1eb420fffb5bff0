/**
 * gcloud as the oracle: the payload it makes and the occurrence it sends, pointed at the fake
 * offline (temporary CLOUDSDK_CONFIG, endpoint overrides, a token file, no prompts, no metadata
 * server probes).
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The gcloud executable, or undefined when gcloud is not installed (the oracle tests skip). */
export const GCLOUD = (() => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      return realpathSync(join(dir, 'gcloud'));
    } catch {
      // not in this directory
    }
  }
  return undefined;
})();

async function gcloud(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  if (!GCLOUD) throw new Error('gcloud is not installed');
  const config = await mkdtemp(join(tmpdir(), 'reimage-gcloud-'));
  try {
    const { stdout } = await run(GCLOUD, args, {
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: config,
        CLOUDSDK_CONFIG: config,
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: '1',
        GCE_METADATA_HOST: '127.0.0.1:9',
        METADATA_SERVER_DETECTION: 'none',
        ...extraEnv,
      },
    });
    return stdout;
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}

/** `gcloud container binauthz create-signature-payload` for one artifact URL, byte for byte. */
export async function gcloudPayload(artifactUrl: string): Promise<Buffer> {
  const out = await gcloud(
    ['container', 'binauthz', 'create-signature-payload', `--artifact-url=${artifactUrl}`],
    { CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true' },
  );
  return Buffer.from(out, 'utf8');
}

/** `gcloud container binauthz attestations create` against the fake, with a given signature. */
export async function gcloudCreateAttestation(
  fakeUrl: string,
  opts: { project: string; artifactUrl: string; attestor: string; keyId: string; signature: Buffer },
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'reimage-gcloud-in-'));
  try {
    await writeFile(join(dir, 'token'), 'fake-token\n');
    await writeFile(join(dir, 'sig'), opts.signature);
    await gcloud(
      [
        'container', 'binauthz', 'attestations', 'create',
        `--artifact-url=${opts.artifactUrl}`, `--attestor=${opts.attestor}`,
        `--signature-file=${join(dir, 'sig')}`, `--public-key-id=${opts.keyId}`,
        `--access-token-file=${join(dir, 'token')}`, '--format=json',
      ],
      {
        CLOUDSDK_CORE_PROJECT: opts.project,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: `${fakeUrl}/`,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION: `${fakeUrl}/`,
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** gcloud's own CRC32C (what `gcloud kms asymmetric-sign` checks with), for each input. */
export async function gcloudCrc32c(inputs: readonly Buffer[]): Promise<number[]> {
  if (!GCLOUD) throw new Error('gcloud is not installed');
  const lib = join(dirname(GCLOUD), '..', 'lib');
  const script = [
    'import sys, base64, json',
    `sys.path[:0] = [${JSON.stringify(lib)}, ${JSON.stringify(join(lib, 'third_party'))}]`,
    'from googlecloudsdk.command_lib.kms import crc32c',
    'print(json.dumps([crc32c.Crc32c(base64.b64decode(a)) for a in sys.argv[1:]]))',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, ...inputs.map((b) => b.toString('base64'))], { timeout: 60_000 });
  return JSON.parse(stdout) as number[];
}
