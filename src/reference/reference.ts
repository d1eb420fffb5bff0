/**
 * Image references, parsed and normalised by the distribution/reference grammar
 * (the grammar docker, containerd, crane and skopeo all share):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] remote-name
 *   domain           := host [':' port-number]
 *   host             := domain-name | IPv4address | '[' IPv6address ']'
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/  (one or more dashes)
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex   (sha256/sha384/sha512 with their exact hex lengths)
 *
 * Normalisation follows ParseNormalizedNamed: the first path component is a domain only when it
 * contains '.' or ':', is "localhost", or has upper case; otherwise the domain is docker.io, and a
 * single-component Docker Hub path gets "library/".
 */
import { ReimageError } from '../errors.js';

export const DOCKER_HUB_DOMAIN = 'docker.io';
const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Host = '\\[[a-fA-F0-9:]+\\]';
const domainRe = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6Host})(?::[0-9]+)?$`);
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const hex64Re = /^[a-f0-9]{64}$/;

/** Hex lengths of the digest algorithms go-digest registers. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

export class InvalidReferenceError extends ReimageError {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`);
  }
}

/** A fully normalised image reference. Immutable. */
export interface ImageReference {
  /** Registry host, with port when given: "docker.io", "localhost:5000", "[::1]:5000". */
  readonly domain: string;
  /** Repository path inside the registry: "library/nginx". */
  readonly path: string;
  /** Tag, if the reference has one (after normalisation a reference has a tag, a digest or both). */
  readonly tag?: string;
  /** "sha256:<hex>", if the reference has one. */
  readonly digest?: string;
}

/** Splits a reference exactly as written into name, tag and digest, without normalising it. Throws InvalidReferenceError. */
export function parseParts(input: string): { name: string; tag?: string; digest?: string } {
  if (input === '') throw new InvalidReferenceError(input, 'reference is empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(input, digest);
  }
  let tag: string | undefined;
  // A ':' after the last '/' starts the tag; one before it belongs to a domain's port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw new InvalidReferenceError(input, `invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest === '') throw new InvalidReferenceError(input, 'repository name is empty');
  return { name: rest, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

function validateDigest(input: string, digest: string): void {
  if (!digestRe.test(digest)) throw new InvalidReferenceError(input, `invalid digest ${JSON.stringify(digest)}`);
  const [algorithm = '', hex = ''] = digest.split(':');
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (want === undefined) throw new InvalidReferenceError(input, `unsupported digest algorithm ${JSON.stringify(algorithm)}`);
  if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidReferenceError(input, `invalid ${algorithm} digest: want ${want} lower-case hex characters`);
  }
}

/** Splits a name into domain and path the way Docker does for familiar names. */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain: string;
  let path: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DOCKER_HUB_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === LEGACY_DOCKER_HUB_DOMAIN) domain = DOCKER_HUB_DOMAIN;
  if (domain === DOCKER_HUB_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  return { domain, path };
}

/**
 * Parses and normalises a reference: `nginx` → docker.io/library/nginx:latest.
 * A reference with a digest keeps its tag too (`repo:tag@sha256:…`); "latest" is added only when
 * there is neither.
 */
export function parseReference(input: string): ImageReference {
  if (hex64Re.test(input)) {
    throw new InvalidReferenceError(input, 'a 64-character hexadecimal string is an image ID, not a reference');
  }
  const { name, tag, digest } = parseParts(input);
  const { domain, path } = splitDomain(name);
  if (!domainRe.test(domain)) throw new InvalidReferenceError(input, `invalid registry host ${JSON.stringify(domain)}`);
  if (!pathRe.test(path)) {
    const reason = path.toLowerCase() !== path && pathRe.test(path.toLowerCase())
      ? 'repository name must be lowercase'
      : `invalid repository name ${JSON.stringify(path)}`;
    throw new InvalidReferenceError(input, reason);
  }
  // As distribution/reference (since v0.6) and go-containerregistry: the limit is on the path alone.
  if (path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `repository path must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return {
    domain,
    path,
    ...(tag !== undefined ? { tag } : digest === undefined ? { tag: DEFAULT_TAG } : {}),
    ...(digest !== undefined && { digest }),
  };
}

/** "docker.io/library/nginx" */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: domain/path[:tag][@digest]. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The same repository pinned to a digest, dropping the tag: domain/path@digest. */
export function withDigest(ref: Pick<ImageReference, 'domain' | 'path'>, digest: string): ImageReference {
  return { domain: ref.domain, path: ref.path, digest };
}

/** The shortest form Docker would print: "nginx:latest", "bitnami/redis:7", "quay.io/x/y:1". */
export function familiarString(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DOCKER_HUB_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The name go-containerregistry's Name() gives, which the Go reimage matches -ignore,
 * -vulncheck-ignore-images and per-image ignores against: Docker Hub as "index.docker.io",
 * ":latest" added when there is neither tag nor digest, and a digest replacing the tag.
 */
export function goName(ref: ImageReference): string {
  const domain = ref.domain === DOCKER_HUB_DOMAIN ? LEGACY_DOCKER_HUB_DOMAIN : ref.domain;
  const suffix = ref.digest !== undefined ? `@${ref.digest}` : `:${ref.tag ?? DEFAULT_TAG}`;
  return `${domain}/${ref.path}${suffix}`;
}

/**
 * Does a user's regexp match an image? It is tried on the image as given and on its Go spelling
 * (goName), so regexps written for the Go tool (`^index\.docker\.io/`) and for ours both work.
 */
export function matchesImage(re: RegExp, image: string, ref?: ImageReference): boolean {
  if (re.test(image)) return true;
  let parsed = ref;
  if (!parsed) {
    try {
      parsed = parseReference(image);
    } catch {
      return false;
    }
  }
  return re.test(goName(parsed));
}

/** Is this string a valid digest ("sha256:<64 hex>")? */
export function isDigest(s: string): boolean {
  try {
    validateDigest(s, s);
    return true;
  } catch {
    return false;
  }
}
