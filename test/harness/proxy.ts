/**
 * A small node:http reverse proxy in front of a test registry. It counts requests by method and
 * upload bytes, and can inject faults: `fault(req)` returns a response to send instead of forwarding (429, 503…),
 * or undefined to forward; `rewrite(path)` changes what is forwarded; `holdMs` delays each forwarded
 * request. Bodies stream through in both directions.
 *
 *   const proxy = await startProxy(reg.host, { fault: (r) => r.method === 'PUT' && !done++ ? { status: 503 } : undefined });
 *   proxy.host      // "127.0.0.1:<port>": loopback, so clients use plain HTTP
 *   proxy.requests  // { GET: 3, HEAD: 2, ... }
 *   proxy.log       // [{ method, path, status, at }]
 *   proxy.bytesReceived   // request body bytes (blob uploads)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectedFault {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface ProxyLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Date.now() when the request arrived. */
  readonly at: number;
  readonly injected: boolean;
}

export interface CountingProxy {
  readonly host: string;
  readonly requests: Record<string, number>;
  /** Request body bytes received (uploads), since the last reset. */
  readonly bytesReceived: number;
  /** TCP connections clients opened, since the last reset (fewer means connections were reused). */
  readonly connections: number;
  /** Most requests waiting for response headers at once (a client's concurrency). */
  readonly maxInFlight: number;
  readonly log: ProxyLogEntry[];
  reset(): void;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** A response to send instead of forwarding, or undefined to forward. */
  readonly fault?: (req: http.IncomingMessage) => InjectedFault | undefined;
  /** Rewrites the path (with query) before forwarding. */
  readonly rewrite?: (path: string) => string;
  /** Response headers to drop (lower case), to imitate registries that do not send them. */
  readonly dropResponseHeaders?: readonly string[];
  /** Holds each forwarded request this long, so a client's concurrent requests surely overlap. */
  readonly holdMs?: number;
  /** The loopback address to listen on; '::1' gives a host such as "[::1]:40123". */
  readonly listen?: '127.0.0.1' | '::1';
}

export async function startProxy(target: string, opts: ProxyOptions = {}): Promise<CountingProxy> {
  const [targetHost, targetPort] = [target.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(target)?.[1] ?? 80)];
  const requests: Record<string, number> = {};
  const log: ProxyLogEntry[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let bytesReceived = 0;
  let connections = 0;
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const at = Date.now();
    requests[method] = (requests[method] ?? 0) + 1;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const fault = opts.fault?.(req);
    if (fault) {
      inFlight--;
      log.push({ method, path: req.url ?? '', status: fault.status, at, injected: true });
      req.resume();
      res.writeHead(fault.status, fault.headers).end(fault.body ?? '');
      return;
    }
    if (opts.holdMs) setTimeout(() => forward(req, res, method, at), opts.holdMs);
    else forward(req, res, method, at);
  });
  server.on('connection', () => connections++);
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, method: string, at: number) => {
    const upstream = http.request({ host: targetHost, port: targetPort, method, path: opts.rewrite ? opts.rewrite(req.url ?? '/') : req.url, headers: { ...req.headers, host: target } }, (up) => {
      inFlight--;
      log.push({ method, path: req.url ?? '', status: up.statusCode ?? 0, at, injected: false });
      for (const name of opts.dropResponseHeaders ?? []) delete up.headers[name];
      // Upload Locations point at the registry itself; keep the client talking to the proxy.
      const headers = { ...up.headers };
      if (typeof headers.location === 'string') headers.location = headers.location.replace(`//${target}`, `//${proxy.host}`);
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      inFlight--;
      res.destroy();
    });
    req.on('error', () => upstream.destroy());
    req.on('data', (chunk: Buffer) => (bytesReceived += chunk.length));
    req.pipe(upstream);
  };
  const listen = opts.listen ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, listen, resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: CountingProxy = {
    host: listen === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`,
    requests,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    get bytesReceived() {
      return bytesReceived;
    },
    get connections() {
      return connections;
    },
    reset: () => {
      maxInFlight = 0;
      bytesReceived = 0;
      connections = 0;
      for (const k of Object.keys(requests)) delete requests[k];
      log.length = 0;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return proxy;
}
