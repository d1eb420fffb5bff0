/**
 * An in-memory registry with the OCI distribution spec 1.1 referrers API, for the referrers
 * tests (Debian's distribution 2.8 has no referrers API). It speaks what skopeo and reimage use:
 * manifests (GET/HEAD/PUT by tag or digest), blobs (HEAD/GET, POST + PATCH + PUT uploads, POST
 * with ?digest=), tags/list, and
 *
 *   GET /v2/<name>/referrers/<digest>[?artifactType=T]
 *     → 200, Content-Type application/vnd.oci.image.index.v1+json, an image index whose
 *       `manifests` are the descriptors (mediaType, digest, size, artifactType, annotations) of
 *       every manifest with that `subject`; with artifactType, only those of type T and the
 *       header `OCI-Filters-Applied: artifactType`. An unknown subject gives an empty index.
 *   PUT of a manifest with a `subject` answers with `OCI-Subject: <subject digest>`.
 *
 *   const reg = await startOciRegistry();   reg.host, reg.requests (by method), reg.stop()
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface OciRegistry {
  readonly host: string;
  readonly requests: Record<string, number>;
  /** Manifest tags of a repository. */
  tags(repo: string): Map<string, string>;
  reset(): void;
  stop(): Promise<void>;
}

interface Stored {
  readonly bytes: Buffer;
  readonly mediaType: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startOciRegistry(): Promise<OciRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Map<string, Stored>>(); // repo → digest → manifest
  const tags = new Map<string, Map<string, string>>(); // repo → tag → digest
  const uploads = new Map<string, Buffer[]>();
  const requests: Record<string, number> = {};
  const repoMap = <T>(m: Map<string, Map<string, T>>, repo: string) => {
    let r = m.get(repo);
    if (!r) m.set(repo, (r = new Map()));
    return r;
  };
  const error = (res: http.ServerResponse, status: number, code: string) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }));

  const server = http.createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    requests[method] = (requests[method] ?? 0) + 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v2/' || url.pathname === '/v2') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\/(.*)$/.exec(url.pathname);
    if (!m) return error(res, 404, 'NOT_FOUND');
    const [, repo, kind, rest] = m as unknown as [string, string, string, string];
    const send = (status: number, headers: Record<string, string | number>, data?: Buffer) => {
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : data);
    };

    if (kind === 'manifests') {
      const digestOf = (ref: string) => (ref.includes(':') ? ref : tags.get(repo)?.get(ref));
      if (method === 'PUT') {
        const digest = sha256(body);
        if (rest.includes(':') && rest !== digest) return error(res, 400, 'DIGEST_INVALID');
        const doc = JSON.parse(body.toString()) as { mediaType?: string; subject?: { digest: string } };
        const mediaType = (req.headers['content-type'] ?? doc.mediaType ?? '').split(';')[0]!;
        repoMap(manifests, repo).set(digest, { bytes: body, mediaType });
        if (!rest.includes(':')) repoMap(tags, repo).set(rest, digest);
        return send(201, { 'docker-content-digest': digest, location: `/v2/${repo}/manifests/${digest}`, ...(doc.subject && { 'oci-subject': doc.subject.digest }) });
      }
      const digest = digestOf(rest);
      const stored = digest ? manifests.get(repo)?.get(digest) : undefined;
      if (!stored) return error(res, 404, 'MANIFEST_UNKNOWN');
      return send(200, { 'content-type': stored.mediaType, 'content-length': stored.bytes.length, 'docker-content-digest': digest! }, stored.bytes);
    }

    if (kind === 'blobs') {
      if (rest === 'uploads/' && method === 'POST') {
        const digest = url.searchParams.get('digest');
        if (digest) {
          if (sha256(body) !== digest) return error(res, 400, 'DIGEST_INVALID');
          blobs.set(digest, body);
          return send(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
        }
        const id = randomUUID();
        uploads.set(id, []);
        return send(202, { location: `/v2/${repo}/blobs/uploads/${id}`, range: '0-0', 'docker-upload-uuid': id });
      }
      if (rest.startsWith('uploads/')) {
        const id = rest.slice('uploads/'.length);
        const parts = uploads.get(id);
        if (!parts) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN');
        parts.push(body);
        const size = parts.reduce((n, p) => n + p.length, 0);
        if (method === 'PATCH') return send(202, { location: `/v2/${repo}/blobs/uploads/${id}`, range: `0-${Math.max(0, size - 1)}` });
        if (method !== 'PUT') return error(res, 405, 'UNSUPPORTED');
        const all = Buffer.concat(parts);
        const digest = url.searchParams.get('digest') ?? '';
        if (sha256(all) !== digest) return error(res, 400, 'DIGEST_INVALID');
        uploads.delete(id);
        blobs.set(digest, all);
        return send(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
      }
      const blob = blobs.get(rest);
      if (!blob) return error(res, 404, 'BLOB_UNKNOWN');
      return send(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length, 'docker-content-digest': rest }, blob);
    }

    if (kind === 'tags' && rest === 'list') {
      const list = [...(tags.get(repo)?.keys() ?? [])].sort();
      if (!manifests.has(repo)) return error(res, 404, 'NAME_UNKNOWN');
      return send(200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ name: repo, tags: list })));
    }

    if (kind === 'referrers' && method === 'GET') {
      const artifactType = url.searchParams.get('artifactType');
      const found = [...(manifests.get(repo)?.entries() ?? [])].flatMap(([digest, stored]) => {
        const doc = JSON.parse(stored.bytes.toString()) as { subject?: { digest: string }; artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> };
        if (doc.subject?.digest !== rest) return [];
        const type = doc.artifactType ?? doc.config?.mediaType;
        if (artifactType && type !== artifactType) return [];
        return [{ mediaType: stored.mediaType, digest, size: stored.bytes.length, ...(type && { artifactType: type }), ...(doc.annotations && { annotations: doc.annotations }) }];
      });
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: found }));
      return send(200, { 'content-type': OCI_INDEX, ...(artifactType && { 'oci-filters-applied': 'artifactType' }) }, index);
    }
    return error(res, 405, 'UNSUPPORTED');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    tags: (repo) => tags.get(repo) ?? new Map(),
    reset: () => {
      for (const k of Object.keys(requests)) delete requests[k];
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
