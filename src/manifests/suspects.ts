/**
 * Suspects: image references written in strings that no image field or rule covers, such as
 * `--prometheus-config-reloader=quay.io/…:v0.93.1` in an operator's args. They are reported, not
 * checked or copied, so that a mirror built from pod specs alone does not silently miss them.
 *
 * A string is cut into words at blanks, quotes and the punctuation that surrounds values in args,
 * env, shell lines, JSON and YAML (`=`, `,`, `;`, brackets…), and a word is a suspect when it is a
 * reference beyond doubt: its first component names a registry (it has a dot or a port, or is
 * `localhost`) and it has a tag or a digest. URLs, paths, versions and `host:port` never qualify.
 * The value of an env var named RELATED_IMAGE_* (the OLM convention) is a suspect whenever it is a
 * valid reference, and so is the value of a key named `image` that names a registry, tag or not
 * (custom resources' image fields: Tekton's `image: mirror.gcr.io/ubuntu`).
 *
 * Reading every string of every document would cost the fast scanner its speed, so one pass over
 * the raw text first finds words that could qualify; only documents with such a word outside
 * their image fields are read in full.
 */
import { matchesImage, parseParts, parseReference, type ImageReference } from '../reference/reference.js';
import type { GoRegexp } from '../regexp.js';
import { formatJsonPath } from './json-path.js';
import type { JsonPathKey } from './builtin-kinds.js';
import type { KubeObject } from './objects.js';
import { NeedsFullParse, type TreeNode } from './tree.js';

/** One reference found in a string outside every image field. */
export interface Suspect {
  readonly doc: number;
  /** The chart template the document came from, when Helm named it. */
  readonly source?: string | undefined;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Normalized JSONPath of the string scalar, from the document's root. */
  readonly path: string;
  /** For a reference inside a longer string: where it sits in the string's value. */
  readonly span?: { readonly offset: number; readonly length: number };
  /** The reference as written. */
  readonly image: string;
  /** The whole string it is in. */
  readonly value: string;
  readonly reference: ImageReference;
}

/** Characters that end a word (besides those below 0x21: blanks, line breaks, controls). */
const DELIMITERS = new Uint8Array(128);
for (const c of '"\'`,;=()[]{}<>|\\') DELIMITERS[c.charCodeAt(0)] = 1;
const isDelimiter = (c: number): boolean => c <= 0x20 || (c < 128 && DELIMITERS[c] === 1);

const SLASH = 0x2f;
const RELATED_IMAGE = 'RELATED_IMAGE_';

/** Does a registry name start this word (text from start to its first slash at `slash`)? */
function namesRegistry(text: string, start: number, slash: number): boolean {
  for (let p = start; p < slash; p++) {
    const c = text.charCodeAt(p);
    if (c === 0x2e || c === 0x3a) return true;
  }
  return slash - start === 9 && text.startsWith('localhost', start);
}

/**
 * A word that is an image reference beyond doubt, parsed; undefined otherwise. `untagged` accepts
 * one without a tag or digest (for the value of an `image` key).
 */
export function referenceBeyondDoubt(word: string, untagged = false): ImageReference | undefined {
  const slash = word.indexOf('/');
  if (slash <= 0 || !namesRegistry(word, 0, slash)) return undefined;
  try {
    const parts = parseParts(word);
    if (!untagged && parts.tag === undefined && parts.digest === undefined) return undefined;
    return parseReference(word);
  } catch {
    return undefined;
  }
}

function validReference(word: string): ImageReference | undefined {
  try {
    return parseReference(word);
  } catch {
    return undefined;
  }
}

/**
 * Offsets in `text` of every word that could be a reference beyond doubt (a cheap superset of
 * what referenceBeyondDoubt accepts), and of every RELATED_IMAGE_ name; in increasing order.
 */
export function suspectCandidates(text: string): number[] {
  const found: number[] = [];
  for (let slash = text.indexOf('/'); slash >= 0; slash = text.indexOf('/', slash + 1)) {
    // Forwards first: most slashes (apps/v1, app.kubernetes.io/name:) have no tag after them.
    let end = slash + 1;
    let tagOrDigest = false;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (isDelimiter(c)) break;
      if (c === SLASH) tagOrDigest = false;
      // A colon that ends the word is YAML's key indicator (`app.kubernetes.io/name: x`), not a tag.
      else if ((c === 0x3a || c === 0x40) && end + 1 < text.length && !isDelimiter(text.charCodeAt(end + 1))) tagOrDigest = true;
    }
    let start = slash;
    while (start > 0 && !isDelimiter(text.charCodeAt(start - 1))) start--;
    if ((tagOrDigest || afterImageKey(text, start)) && start < slash && namesRegistry(text, start, slash)) found.push(start);
    slash = end;
  }
  const related: number[] = [];
  for (let at = text.indexOf(RELATED_IMAGE); at >= 0; at = text.indexOf(RELATED_IMAGE, at + 1)) related.push(at);
  return related.length === 0 ? found : [...found, ...related].sort((a, b) => a - b);
}

/** Is the word at `start` the value of a YAML key `image` (`image: x`, `image: "x"`)? */
function afterImageKey(text: string, start: number): boolean {
  let p = start;
  const q = text.charCodeAt(p - 1);
  if (q === 0x22 || q === 0x27) p--;
  while (text.charCodeAt(p - 1) === 0x20) p--;
  return p >= 6 && text.startsWith('image:', p - 6);
}

/** What is already an image (whole image-field scalars, by start offset; captured spans inside rule-matched strings). */
export interface Coverage {
  readonly wholeScalars: ReadonlySet<number>;
  readonly spans: ReadonlyMap<number, readonly { offset: number; length: number }[]>;
}

/** The words of a string that are references beyond doubt, with their offsets. */
function referencesIn(value: string): { offset: number; word: string; reference: ImageReference }[] {
  const found: { offset: number; word: string; reference: ImageReference }[] = [];
  let slash = value.indexOf('/');
  while (slash >= 0) {
    let start = slash;
    while (start > 0 && !isDelimiter(value.charCodeAt(start - 1))) start--;
    let end = slash + 1;
    while (end < value.length && !isDelimiter(value.charCodeAt(end))) end++;
    const word = value.slice(start, end);
    const reference = referenceBeyondDoubt(word);
    if (reference) found.push({ offset: start, word, reference });
    slash = value.indexOf('/', end);
  }
  return found;
}

function overlaps(spans: readonly { offset: number; length: number }[] | undefined, offset: number, length: number): boolean {
  return spans?.some((s) => s.offset < offset + length && offset < s.offset + s.length) ?? false;
}

const prefixKey = (path: readonly JsonPathKey[]) => path.join('\u0000');

/**
 * Every suspect in a document's whole tree, in document order (NeedsFullParse at a part the fast
 * scanner skipped over, unless no candidate lies in it). `ignore` drops references the user
 * asked to leave alone.
 */
export function documentSuspects(
  doc: { readonly index: number; readonly source?: string | undefined }, tree: TreeNode | undefined, objects: readonly KubeObject[], coverage: Coverage, ignore: GoRegexp | undefined,
  /** Whether a candidate (suspectCandidates) lies in the stream from start to end: a skipped part without one is left unread. */
  candidateIn: (start: number, end: number) => boolean,
): Suspect[] {
  const found: Suspect[] = [];
  const path: JsonPathKey[] = [];
  // The innermost object (the root, or an item of a List) holding the current path.
  const objectsByPrefix = new Map(objects.map((o) => [prefixKey(o.prefix), o]));
  let object: KubeObject | undefined;
  const report = (value: string, offset: number, word: string, reference: ImageReference, whole: boolean) => {
    if (ignore && matchesImage(ignore, word, reference)) return;
    found.push({
      doc: doc.index,
      source: doc.source,
      kind: object?.kind ?? '',
      namespace: object?.namespace ?? '',
      name: object?.name ?? '',
      path: formatJsonPath(path),
      ...(!whole && { span: { offset, length: word.length } }),
      image: word,
      value,
      reference,
    });
  };
  /** `valueOf`: the value is that of an env var named RELATED_IMAGE_*, or of a key named image. */
  const visit = (node: TreeNode | undefined, valueOf?: 'related-image' | 'image') => {
    if (!node) return;
    if (node.kind === 'opaque') {
      if (node.start !== undefined && node.end !== undefined && !candidateIn(node.start, node.end)) return;
      throw new NeedsFullParse('opaque node');
    }
    if (node.kind === 'scalar') {
      if (typeof node.value !== 'string' || !node.location || coverage.wholeScalars.has(node.location.start)) return;
      const value = node.value;
      const spans = coverage.spans.get(node.location.start);
      const words = referencesIn(value);
      if (valueOf && words.length === 0 && !overlaps(spans, 0, value.length)) {
        const reference = valueOf === 'image' ? referenceBeyondDoubt(value, true) : validReference(value);
        if (reference) report(value, 0, value, reference, true);
        return;
      }
      for (const { offset, word, reference } of words) {
        if (!overlaps(spans, offset, word.length)) report(value, offset, word, reference, offset === 0 && word.length === value.length);
      }
      return;
    }
    if (node.kind === 'seq') {
      node.items.forEach((item, i) => {
        path.push(i);
        visit(item);
        path.pop();
      });
      return;
    }
    const outer = object;
    if (path.length === 0 || (path.length >= 2 && path[path.length - 2] === 'items')) object = objectsByPrefix.get(prefixKey(path)) ?? object;
    const nameAt = node.keys.lastIndexOf('name');
    const name = nameAt < 0 ? undefined : node.values[nameAt];
    const related = name?.kind === 'scalar' && typeof name.value === 'string' && name.value.startsWith(RELATED_IMAGE);
    // With duplicate keys the last one wins (see MapNode): earlier ones are not part of the object.
    const last = new Map<string, number>();
    node.keys.forEach((key, i) => last.set(key, i));
    node.keys.forEach((key, i) => {
      if (last.get(key) !== i) return;
      path.push(key);
      visit(node.values[i], key === 'image' ? 'image' : related && key === 'value' ? 'related-image' : undefined);
      path.pop();
    });
    object = outer;
  };
  visit(tree);
  return found;
}
