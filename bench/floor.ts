/**
 * The floor for a warm run: the same HEAD requests, at the same concurrency per host, from a
 * minimal keep-alive node:http client that does nothing else. A run that finds everything present
 * cannot be faster than this over the same network.
 */
import http from 'node:http';

export async function headFloor(urls: readonly string[], perHost: number, accept: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  const byHost = new Map<string, string[]>();
  for (const url of urls) {
    const host = new URL(url).host;
    byHost.set(host, [...(byHost.get(host) ?? []), url]);
  }
  const head = (url: string) => new Promise<void>((resolve, reject) => {
    http.request(url, { method: 'HEAD', agent, headers: { accept } }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject).end();
  });
  const started = performance.now();
  await Promise.all([...byHost.values()].map((queue) => Promise.all(Array.from({ length: perHost }, async () => {
    for (let url = queue.shift(); url; url = queue.shift()) await head(url);
  }))));
  const ms = performance.now() - started;
  agent.destroy();
  return ms;
}
