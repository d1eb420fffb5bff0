/**
 * Runs one RegistryClient operation in a fresh process, for what needs a process of its own:
 * NODE_EXTRA_CA_CERTS (read only at start-up) and peak-memory measurement.
 *
 * Peak RSS is Linux's VmHWM, reset just before the operation (write "5" to /proc/self/clear_refs).
 * getrusage's maxRSS would not do: it survives fork+exec, so it starts at the parent's size.
 *
 *   node --import tsx test/registry/child.ts '{"op":"copy","src":"…@sha256:…","dst":"…:tag"}'
 *
 * Prints one JSON line: {"result": …, "rssBeforeKiB": n, "rssPeakKiB": n} or {"error": "message"}.
 * Warnings are logged to stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseReference } from '../../src/reference/reference.js';
import { createLogger } from '../../src/log.js';
import { RegistryClient } from '../../src/registry/index.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { op: 'copy' | 'resolve'; src: string; dst?: string; insecure?: string[] };
const client = new RegistryClient({ insecureRegistries: args.insecure ?? [], logger: createLogger({ level: 'warn' }) });
try {
  // Warm up (modules, TLS, undici) so the baseline excludes one-off start-up allocations.
  await client.resolve(parseReference(args.src));
  writeFileSync('/proc/self/clear_refs', '5');
  const rssBeforeKiB = statusKiB('VmRSS');
  const result = args.op === 'copy'
    ? await client.copy(parseReference(args.src), parseReference(args.dst!))
    : await client.resolve(parseReference(args.src));
  console.log(JSON.stringify({ result, rssBeforeKiB, rssPeakKiB: statusKiB('VmHWM'), stats: client.stats }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message }));
}

function statusKiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1]);
}
