/**
 * Where a registry's API lives: the host to talk to (Docker Hub's API host, or a configured
 * mirror) and whether to use HTTPS (always, except loopback and hosts the user calls insecure).
 */
import { DOCKER_HUB_DOMAIN } from '../reference/reference.js';

const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** The key Docker Hub credentials are stored under in docker's config.json. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface Endpoint {
  /** The registry as the image reference names it ("docker.io", "127.0.0.1:5000"). */
  readonly registry: string;
  /** host[:port] that receives the API requests. */
  readonly host: string;
  /** "https://host" or "http://host". */
  readonly baseUrl: string;
}

export interface EndpointOptions {
  readonly insecureRegistries?: readonly string[];
  readonly mirrors?: Readonly<Record<string, string>>;
}

/** The -registry-mirror host that serves `registry`'s repositories, if one is set. */
export function mirrorFor(registry: string, mirrors: EndpointOptions['mirrors']): string | undefined {
  return mirrors?.[registry] ?? (isDockerHub(registry) ? mirrors?.[DOCKER_HUB_DOMAIN] : undefined);
}

export function endpointFor(registry: string, opts: EndpointOptions): Endpoint {
  const mirror = mirrorFor(registry, opts.mirrors);
  const host = mirror ?? (isDockerHub(registry) ? DOCKER_HUB_API_HOST : registry);
  const scheme = isLoopback(host) || isListed(host, opts.insecureRegistries ?? []) ? 'http' : 'https';
  return { registry, host, baseUrl: `${scheme}://${host}` };
}

export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host);
}

/** The hostname without port or IPv6 brackets. */
export function hostname(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d+$/, '');
}

export function isLoopback(host: string): boolean {
  const name = hostname(host).toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** An entry matches host:port exactly, or the bare hostname on any port. */
function isListed(host: string, entries: readonly string[]): boolean {
  return entries.some((e) => e === host || e === hostname(host));
}
