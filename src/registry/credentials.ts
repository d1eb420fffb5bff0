/**
 * Registry credentials, found where docker, crane and skopeo users keep them:
 *   1. $DOCKER_CONFIG/config.json (or ~/.docker/config.json),
 *   2. $REGISTRY_AUTH_FILE,
 *   3. $XDG_RUNTIME_DIR/containers/auth.json.
 * In each file: credHelpers[host], then credsStore (both run `docker-credential-<name> get`),
 * then auths[host] (`auth`, `username`/`password` or `identitytoken`). The first file that has
 * something for the host wins; with nothing anywhere the registry is used anonymously.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ReimageError } from '../errors.js';
import { redact, registerSecret } from '../redact.js';
import { DOCKER_HUB_CONFIG_KEY, isDockerHub } from './endpoints.js';

export type Credential =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string; readonly source: string }
  | { readonly kind: 'identity-token'; readonly token: string; readonly source: string };

/** A credentials file or helper that could not be used. */
class CredentialsError extends ReimageError {}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The credentials files, in lookup order. */
function credentialFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files = [path.join(env.DOCKER_CONFIG ?? path.join(env.HOME ?? homedir(), '.docker'), 'config.json')];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  return files;
}

/** Finds credentials for a registry host ("docker.io", "127.0.0.1:5000"); undefined = anonymous. */
export async function findCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<Credential | undefined> {
  const found = await lookUpCredentials(host, env);
  if (found?.kind === 'basic') {
    registerSecret(found.password);
    registerSecret(Buffer.from(`${found.username}:${found.password}`).toString('base64'));
  } else if (found) {
    registerSecret(found.token);
  }
  return found;
}

async function lookUpCredentials(host: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  const wanted = configKey(host);
  for (const file of credentialFiles(env)) {
    const config = await readAuthFile(file);
    if (!config) continue;
    const helper = lookup(config.credHelpers, wanted) ?? config.credsStore;
    if (helper) {
      const found = await runHelper(helper, isDockerHub(host) ? DOCKER_HUB_CONFIG_KEY : host, env, file);
      if (found) return found;
    }
    const entry = lookup(config.auths, wanted);
    const fromEntry = entry && entryCredential(entry, file, host);
    if (fromEntry) return fromEntry;
  }
  return undefined;
}

/** Config keys may carry a scheme and a path ("https://index.docker.io/v1/"); compare hosts. */
function configKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return isDockerHub(host) ? 'docker.io' : host;
}

function lookup<T>(map: Record<string, T> | undefined, wanted: string): T | undefined {
  if (!map) return undefined;
  for (const [key, value] of Object.entries(map)) if (configKey(key) === wanted) return value;
  return undefined;
}

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialsError(`cannot read credentials file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch (err) {
    throw new CredentialsError(`credentials file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function entryCredential(entry: AuthEntry, file: string, host: string): Credential | undefined {
  const source = `${file} (auths)`;
  if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken, source };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialsError(`credentials file ${file}: the "auth" entry for ${host} is not base64 of user:password`);
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (entry.username && entry.password !== undefined) {
    return { kind: 'basic', username: entry.username, password: entry.password, source };
  }
  return undefined;
}

/** Runs `docker-credential-<name> get`; undefined when the helper has nothing for the server. */
async function runHelper(name: string, server: string, env: NodeJS.ProcessEnv, file: string): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new CredentialsError(
        e.code === 'ENOENT'
          ? `credential helper ${program} (configured in ${file}) is not on PATH`
          : `cannot run credential helper ${program}: ${e.message}`,
      )));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.end(server);
  });
  if (code !== 0) {
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    // A failing helper may still print its reply, Secret and all.
    const said = redact((stderr.trim() || stdout.trim()).split('\n')[0]?.slice(0, 200) ?? '');
    throw new CredentialsError(`credential helper ${program} failed for ${server} (exit ${code}): ${said}`);
  }
  let reply: { Username?: string; Secret?: string };
  try {
    reply = JSON.parse(stdout) as typeof reply;
  } catch {
    throw new CredentialsError(`credential helper ${program} printed something other than JSON for ${server}`);
  }
  if (!reply.Secret) return undefined;
  const source = `credential helper ${program}`;
  return reply.Username === '<token>'
    ? { kind: 'identity-token', token: reply.Secret, source }
    : { kind: 'basic', username: reply.Username ?? '', password: reply.Secret, source };
}
