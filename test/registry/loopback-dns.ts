/**
 * Preloaded into a child process (`node --import tsx --import <this file>`): host names under the
 * reserved `.test` top-level domain (RFC 6761) resolve to 127.0.0.1. A test can then name a local
 * registry or token server the way a remote one is named (`registry.test:5000`, not loopback to
 * reimage's eyes) while no packet leaves the machine.
 */
import dns from 'node:dns';

type Callback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const systemLookup = dns.lookup;
const patched = (hostname: string, options: unknown, callback?: Callback): void => {
  const cb = (typeof options === 'function' ? options : callback) as Callback;
  const opts = (typeof options === 'object' && options !== null ? options : {}) as dns.LookupOptions;
  if (!/\.test\.?$/i.test(hostname)) return void (systemLookup as (...a: unknown[]) => void)(hostname, options, callback);
  if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
  else process.nextTick(cb, null, '127.0.0.1', 4);
};
dns.lookup = patched as typeof dns.lookup;
