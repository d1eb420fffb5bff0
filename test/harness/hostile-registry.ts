/**
 * An in-memory registry on node:http for fault tests: it speaks enough of the distribution API
 * (manifests and blobs by tag or digest, monolithic uploads) to be copied from and to, and every
 * request passes through `fault` first, which may answer it any way it likes (never, slowly,
 * too much, lying) and return true to stop the normal handling.
 *
 *   const reg = await startHostileRegistry((req, res) => req.method === 'HEAD' ? (res.end(), true) : false);
 *   reg.putImage('app', 'v1')   // a one-layer image; returns its digests
 *   reg.host, reg.log, await reg.stop()
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = (req: http.IncomingMessage, res: http.ServerResponse, registry: HostileRegistry) => boolean | Promise<boolean>;

export interface HostileRegistry {
  readonly host: string;
  readonly log: { method: string; path: string; at: number }[];
  readonly manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  readonly blobs: Map<string, Buffer>;
  /** Stores a small OCI image (config + one layer) under repo:tag; returns its digests. */
  putImage(repo: string, tag: string): { digest: string; layer: string; config: string };
  stop(): Promise<void>;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function startHostileRegistry(fault: Fault = () => false): Promise<HostileRegistry> {
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const blobs = new Map<string, Buffer>();
  const log: HostileRegistry['log'] = [];
  const sockets = new Set<Socket>();
  let uploads = 0;
  const registry: HostileRegistry = {
    host: '',
    log,
    manifests,
    blobs,
    putImage(repo, tag) {
      const layer = randomBytes(4096);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
      }));
      blobs.set(sha256(layer), layer);
      blobs.set(sha256(config), config);
      const digest = sha256(manifest);
      manifests.set(`${repo}:${tag}`, { bytes: manifest, mediaType: OCI_MANIFEST });
      manifests.set(`${repo}@${digest}`, { bytes: manifest, mediaType: OCI_MANIFEST });
      return { digest, layer: sha256(layer), config: sha256(config) };
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push({ method: req.method ?? '', path: url.pathname + url.search, at: Date.now() });
    if (await fault(req, res, registry)) return;
    const body = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (url.pathname === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (!m) return void res.writeHead(404).end();
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'blobs' && ref.startsWith('uploads')) {
      if (req.method === 'POST') {
        return void res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/u${++uploads}`, 'content-length': '0' }).end();
      }
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256(body) !== digest) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"code":"DIGEST_INVALID","message":"digest did not match"}]}');
      blobs.set(digest, body);
      return void res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' }).end();
    }
    if (kind === 'blobs') {
      const blob = blobs.get(ref);
      if (!blob) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
      res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': ref });
      return void res.end(req.method === 'HEAD' ? undefined : blob);
    }
    const key = ref.includes(':') ? `${repo}@${ref}` : `${repo}:${ref}`;
    if (req.method === 'PUT') {
      const entry = { bytes: body, mediaType: String(req.headers['content-type'] ?? OCI_MANIFEST) };
      manifests.set(key, entry);
      manifests.set(`${repo}@${sha256(body)}`, entry);
      return void res.writeHead(201, { 'docker-content-digest': sha256(body), 'content-length': '0' }).end();
    }
    const manifest = manifests.get(key);
    if (!manifest) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    res.writeHead(200, { 'content-type': manifest.mediaType, 'content-length': String(manifest.bytes.length), 'docker-content-digest': sha256(manifest.bytes) });
    res.end(req.method === 'HEAD' ? undefined : manifest.bytes);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (registry as { host: string }).host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return registry;
}

