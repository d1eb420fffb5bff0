/**
 * The rename template: Go text/template syntax over the fields of the Go reimage's
 * RepoTemplateInput. See README "Renaming, pinning and copying" for the supported syntax.
 */
import { ReimageError } from '../errors.js';
import { DOCKER_HUB_DOMAIN, type ImageReference, InvalidReferenceError, parseReference } from '../reference/reference.js';
import { execute } from './template/exec.js';
import { RENAME_FUNCTIONS } from './template/funcs.js';
import { parseTemplate, type ParsedTemplate } from './template/parse.js';

export { TemplateError } from './template/errors.js';

/** The template's input, in the Go struct's field order (which is how `{{ . }}` prints it). */
export interface RenameFields {
  /** The -rename-remote-path value. */
  readonly RemotePath: string;
  /** The source digest, "sha256:…". */
  readonly Digest: string;
  /** The part of Digest before the colon. */
  readonly DigestAlgo: string;
  /** The part of Digest after the colon. */
  readonly DigestHex: string;
  /** The source tag; empty when the source is a digest reference without a tag. */
  readonly Tag: string;
  /** The source registry; Docker Hub is "index.docker.io", as in the Go tool. */
  readonly Registry: string;
  /** The source repository; Docker Hub official images get "library/". */
  readonly Repository: string;
}

const RENAME_FIELDS: readonly (keyof RenameFields)[] = [
  'RemotePath', 'Digest', 'DigestAlgo', 'DigestHex', 'Tag', 'Registry', 'Repository',
];

const GO_DOCKER_HUB_REGISTRY = 'index.docker.io';
const LABEL = 'rename template';

export function renameFields(source: ImageReference, digest: string, remotePath: string): RenameFields {
  const colon = digest.indexOf(':');
  return {
    RemotePath: remotePath,
    Digest: digest,
    DigestAlgo: digest.slice(0, colon),
    DigestHex: digest.slice(colon + 1),
    Tag: source.tag ?? '',
    Registry: source.domain === DOCKER_HUB_DOMAIN ? GO_DOCKER_HUB_REGISTRY : source.domain,
    Repository: source.path,
  };
}

/** A rendered name that is not a valid image reference, even after the host fix-up. */
class InvalidRenameError extends ReimageError {}

export class RenameTemplate {
  private constructor(
    readonly source: string,
    private readonly parsed: ParsedTemplate,
  ) {}

  /**
   * Parses and checks the template: unknown fields, functions and variables, wrong argument
   * counts or types are errors here, at start-up. It is also executed once on sample input so
   * that run-time type errors on the common path surface now rather than mid-run.
   */
  static compile(source: string): RenameTemplate {
    const template = new RenameTemplate(source, parseTemplate(source, { fields: RENAME_FIELDS, functions: RENAME_FUNCTIONS, label: LABEL }));
    const sample = parseReference('nginx:1.27');
    template.render(renameFields(sample, `sha256:${'0'.repeat(64)}`, 'registry.example.com/imported'));
    return template;
  }

  /** The raw text the template produces. */
  render(fields: RenameFields): string {
    return execute(this.source, this.parsed, { ...fields }, { functions: RENAME_FUNCTIONS, label: LABEL });
  }

  /**
   * The new reference for an image: the template's output with the host fix-up applied,
   * checked against the reference grammar.
   */
  rename(fields: RenameFields): string {
    const rendered = this.render(fields).trim();
    const fixed = fixHostsInPath(rendered);
    try {
      if (parseReference(fixed).digest !== undefined) {
        throw new InvalidRenameError(`rename template produced ${JSON.stringify(rendered)}: it must name a tag to copy to, not a digest`);
      }
    } catch (err) {
      if (err instanceof InvalidReferenceError) {
        throw new InvalidRenameError(`rename template produced an invalid image reference ${JSON.stringify(rendered)}: ${err.reason}`);
      }
      throw err;
    }
    return fixed;
  }
}

/**
 * With the default template a source registry's host lands in the repository path, where a port
 * (`localhost:5000`), an IPv6 address (`[::1]`) or capitals are not allowed; the Go tool fails
 * there. In the repository path (after the first component, which is the target registry and
 * keeps its own port, and before the tag) this makes such a host a valid component:
 *   - a bracketed IPv6 address is written out in full, its groups joined by '_':
 *     `[::1]` → `0_0_0_0_0_0_0_1` (always 8 groups, so distinct addresses stay distinct);
 *   - every remaining ':' becomes '_': `localhost:5000` → `localhost_5000`;
 *   - letters are lowercased (a repository path is lowercase by definition).
 */
export function fixHostsInPath(rendered: string): string {
  const at = rendered.indexOf('@');
  const name = at < 0 ? rendered : rendered.slice(0, at);
  const digest = at < 0 ? '' : rendered.slice(at);
  const firstSlash = name.indexOf('/');
  if (firstSlash < 0) return rendered;
  const lastSlash = name.lastIndexOf('/');
  const tagColon = name.indexOf(':', lastSlash);
  const pathEnd = tagColon < 0 ? name.length : tagColon;
  const path = name.slice(firstSlash + 1, pathEnd)
    .replace(/\[([0-9A-Fa-f:]+)\]/g, (bracketed, address: string) => expandIPv6(address)?.join('_') ?? bracketed)
    .replaceAll(':', '_')
    .toLowerCase();
  return `${name.slice(0, firstSlash + 1)}${path}${name.slice(pathEnd)}${digest}`;
}

const IPV6_GROUPS = 8;

/** The 8 groups of an IPv6 address written with or without `::`; undefined when it is not one. */
function expandIPv6(address: string): string[] | undefined {
  const halves = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = IPV6_GROUPS - head.length - tail.length;
  if (halves.length > 2 || missing < 0 || (halves.length === 1 && missing !== 0) || [...head, ...tail].some((g) => g === '' || g.length > 4)) {
    return undefined;
  }
  return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
}
