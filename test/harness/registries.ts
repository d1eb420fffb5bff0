/**
 * Real CNCF distribution registries (`docker-registry serve`, Debian package docker-registry) for
 * tests and benches, on 127.0.0.1 with ephemeral ports:
 *
 *   const reg = await startRegistry('basic');   // 'anonymous' | 'basic' | 'token' | 'tls'
 *   await startRegistry('token', { realmHost: 'auth.test' })   // the realm URL names that host
 *   reg.host          // "127.0.0.1:40123": use it in image references
 *   reg.username / reg.password   // TEST_USER / TEST_PASSWORD for 'basic' and 'token'
 *   reg.caFile        // 'tls': PEM of the CA that signed the registry's certificate
 *   reg.tokenServer   // 'token': the in-process token server (its `requests` can be counted)
 *   await reg.stop();
 *
 * Manifests may reference foreign/non-distributable layers by https URL (as Windows images do).
 * Each registry runs under a small `sh` that kills it (and removes its directory) when its stdin
 * closes, so a registry never outlives the test process, even when that process dies without
 * running its `after` hooks.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTokenServer, type TokenServer } from './token-server.js';

export type RegistryKind = 'anonymous' | 'basic' | 'token' | 'tls';

export const TEST_USER = 'testuser';
export const TEST_PASSWORD = 'testpass';

export interface TestRegistry {
  readonly kind: RegistryKind;
  /** "127.0.0.1:<port>" */
  readonly host: string;
  /** "http://127.0.0.1:<port>" (https for 'tls') */
  readonly url: string;
  /** Scratch directory: config, storage, certificates. Removed by stop(). */
  readonly dir: string;
  readonly username?: string;
  readonly password?: string;
  /** 'tls' only: the CA certificate (PEM) to trust, e.g. through NODE_EXTRA_CA_CERTS. */
  readonly caFile?: string;
  /** 'tls' only: a directory holding ca.crt, for skopeo's --cert-dir. */
  readonly certDir?: string;
  /** 'token' only. */
  readonly tokenServer?: TokenServer;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts one registry of the given kind and waits until it listens. */
export async function startRegistry(kind: RegistryKind, opts: { realmHost?: string } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), `reimage-registry-${kind}-`));
  await mkdir(path.join(dir, 'data'));
  let auth = '';
  let tls = '';
  let extra: Partial<Omit<TestRegistry, 'stop'>> = {};
  let tokenServer: TokenServer | undefined;
  try {
    if (kind === 'basic') {
      const { stdout } = await run('htpasswd', ['-Bbn', TEST_USER, TEST_PASSWORD]);
      await writeFile(path.join(dir, 'htpasswd'), stdout);
      auth = `auth:\n  htpasswd:\n    realm: reimage-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
      extra = { username: TEST_USER, password: TEST_PASSWORD };
    } else if (kind === 'token') {
      tokenServer = await startTokenServer({ dir, users: { [TEST_USER]: TEST_PASSWORD }, ...opts });
      auth = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${tokenServer.service}\n    issuer: ${tokenServer.issuer}\n    rootcertbundle: ${tokenServer.certFile}\n`;
      extra = { username: TEST_USER, password: TEST_PASSWORD, tokenServer };
    } else if (kind === 'tls') {
      const certs = await makeTlsCertificates(dir);
      tls = `  tls:\n    certificate: ${certs.certFile}\n    key: ${certs.keyFile}\n`;
      extra = { caFile: certs.caFile, certDir: certs.certDir };
    }
    const config = path.join(dir, 'config.yml');
    await writeFile(config, `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
validation:
  manifests:
    urls:
      allow:
        - ^https?://
http:
  addr: 127.0.0.1:0
  secret: reimage-test-secret
${tls}${auth}`);
    const { child, port } = await launch(config);
    const host = `127.0.0.1:${port}`;
    return {
      kind, host, url: `${kind === 'tls' ? 'https' : 'http'}://${host}`, dir, ...extra,
      stop: async () => {
        await terminate(child);
        await tokenServer?.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts several registries at once; `stop()` stops them all. */
export async function startRegistries<K extends RegistryKind>(...kinds: K[]): Promise<Record<K, TestRegistry> & { stop(): Promise<void> }> {
  const started = await Promise.allSettled(kinds.map((k) => startRegistry(k)));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((r) => r.stop()));
    throw failed.reason;
  }
  const byKind = Object.fromEntries(ok.map((r) => [r.kind, r])) as Record<K, TestRegistry>;
  return { ...byKind, stop: async () => void (await Promise.all(ok.map((r) => r.stop()))) };
}

async function launch(config: string): Promise<{ child: ChildProcess; port: number }> {
  // `read` returns when our end of stdin closes (stop(), or this process dying): then kill the
  // registry and remove its scratch directory.
  const script = 'docker-registry serve "$1" & pid=$!; read _ignored; kill $pid 2>/dev/null; wait $pid; rm -rf "$2"';
  const child = spawn('sh', ['-c', script, 'sh', config, path.dirname(config)], { stdio: ['pipe', 'ignore', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let log = '';
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker-registry did not start within 15 s:\n${log}`)), 15_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`docker-registry exited (${code}) before listening:\n${log}`));
      });
    });
    child.stderr!.resume(); // keep draining the log so the registry never blocks on a full pipe
    return { child, port };
  } catch (err) {
    await terminate(child);
    throw err;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A CA and a server certificate it signs for 127.0.0.1 and localhost (EC keys: fast to make). */
async function makeTlsCertificates(dir: string) {
  const certDir = path.join(dir, 'certs');
  await mkdir(certDir);
  const caFile = path.join(certDir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const keyFile = path.join(dir, 'tls.key');
  const csr = path.join(dir, 'tls.csr');
  const certFile = path.join(dir, 'tls.crt');
  const ext = path.join(dir, 'san.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=reimage-test-ca']);
  await run('openssl', ['req', ...ec, '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  return { caFile, certDir, keyFile, certFile };
}
