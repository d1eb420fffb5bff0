/**
 * Finds every image in a manifest stream: in the pod specs of built-in kinds, through `items` of
 * List kinds, and wherever the image rules' JSONPaths point (with a rule's imageRegexp, inside the
 * strings they select). Each occurrence can be rewritten in place. On request it also finds the
 * suspects: references in strings that nothing covers (see suspects.ts).
 */
import { AggregateReimageError, ReimageError } from '../errors.js';
import { goName, parseReference, type ImageReference } from '../reference/reference.js';
import type { JsonPathKey, NodeAtPath } from './builtin-kinds.js';
import { formatJsonPath } from './json-path.js';
import { jsonPath } from './lazy-deps.js';
import { identify, type KubeObject } from './objects.js';
import type { ImageRegexp } from './image-regexp.js';
import type { ImageRule, ImageRules } from './rules.js';
import type { ManifestDocument, ManifestStream } from './stream.js';
import { documentSuspects, suspectCandidates, type Suspect } from './suspects.js';
import { childAt, NeedsFullParse, type ScalarLocation, type TreeNode } from './tree.js';
import type { GoRegexp } from '../regexp.js';

/** One place in the stream where an image is written. */
export class ImageOccurrence {
  constructor(
    private readonly stream: ManifestStream,
    private readonly location: ScalarLocation,
    /** Index of the document in the stream, from 0. */
    readonly doc: number,
    readonly kind: string,
    readonly apiVersion: string,
    readonly namespace: string,
    readonly name: string,
    /** Normalized JSONPath of the field, from the object's root: `$.spec.template.spec.containers[0].image`. */
    readonly path: string,
    /** The image exactly as written. */
    readonly image: string,
    /** The image parsed and normalized (docker.io/library/nginx:latest). */
    readonly reference: ImageReference,
    private readonly document: ManifestDocument,
    /** For an image inside a longer string (a rule's imageRegexp): where it sits in the string's value. */
    readonly span?: StringSpan,
  ) {}

  /** The chart template the document came from, when Helm named it (read only for error messages). */
  get source(): string | undefined {
    return this.document.source;
  }

  /** Rewrites this image in the stream (quoting it when needed); an embedded one changes alone. */
  setImage(newImage: string): void {
    if (this.span) this.stream.setSubstring(this.location, this.span, newImage);
    else this.stream.setScalar(this.location, newImage);
  }

  /** Throws, as setImage would, when this image cannot be rewritten to `newImage` (a block scalar). */
  checkRewrite(newImage: string): void {
    this.stream.renderScalar(this.location, newImage);
  }

  /** "Deployment web/frontend" */
  get objectName(): string {
    return describeObject(this.kind, this.namespace, this.name);
  }
}

/** A part of a string scalar's value. */
export interface StringSpan {
  /** The whole value of the scalar. */
  readonly value: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * "Deployment shop/web (shop/templates/web.yaml, document 2)": what a user can find in
 * `helm template` output first; the document number counts the stream reimage was given, which
 * is not always the order `helm template` prints.
 */
export function describePlace(objectName: string, source: string | undefined, doc: number): string {
  return `${objectName} (${source ? `${source}, ` : ''}document ${doc})`;
}

/** An image field that cannot be used: not a string, or not a valid reference. */
export class ImageFieldError extends ReimageError {}

export interface FindOptions {
  /** Images matching this are left completely alone: not reported, not checked. */
  readonly ignore?: GoRegexp;
  /** Also look for suspects (references in strings outside every image field). */
  readonly suspects?: boolean;
}

export interface FindResult {
  readonly images: ImageOccurrence[];
  /** Empty unless FindOptions.suspects. */
  readonly suspects: Suspect[];
}

/** "Deployment web/frontend" */
export function describeObject(kind: string, namespace: string, name: string): string {
  const id = namespace ? `${namespace}/${name}` : name;
  return `${kind || 'object'}${id ? ` ${id}` : ''}`;
}

function valueType(node: TreeNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'scalar') return node.value === null ? 'null' : `a ${typeof node.value}`;
  return 'a block value';
}

function ruleApplies(rule: ImageRule, object: KubeObject): boolean {
  return rule.kind.test(object.kind) && rule.apiVersion.test(object.apiVersion);
}

/** The nodes one rule selects in one object (or, for Raw rules, in the whole document). */
function ruleMatches(rule: ImageRule, data: unknown, root: TreeNode | undefined, rootPath: string): NodeAtPath[] {
  const found: NodeAtPath[] = [];
  const { exec } = jsonPath();
  for (const expression of rule.paths) {
    exec(data as Parameters<typeof exec>[0], expression, (_value, path) => {
      const node = childAt(root, path);
      if (node) found.push({ path: formatJsonPath(path, rootPath), node });
    });
  }
  return found;
}

function dataAt(data: unknown, path: readonly JsonPathKey[]): unknown {
  let d = data;
  for (const key of path) d = (d as Record<string | number, unknown> | null | undefined)?.[key];
  return d;
}

/** What the searches of one stream share: each distinct image is parsed once (a large stream repeats them). */
interface StreamMemo {
  readonly references: Map<string, ImageReference | Error>;
}

/** The stream's suspect candidates (offsets, increasing), and the first one not yet looked at. */
interface CandidateCursor {
  readonly offsets: readonly number[];
  next: number;
}

/** The search of one document. */
class DocumentSearch {
  private readonly found: { start: number; occurrence: ImageOccurrence }[] = [];
  private readonly errors: Error[] = [];
  /** Start offsets of the whole-scalar image fields (ignored ones too). */
  private readonly seen = new Set<number>();
  /** Their extents in the stream, for the suspects' first pass. */
  private readonly fieldRanges: ScalarLocation[] = [];
  /** Spans captured by imageRegexp rules, by the start offset of their scalar. */
  private spans: Map<number, StringSpan[]> | undefined;
  /** The objects searched (for -input yaml, the whole document). */
  private objects: readonly KubeObject[] = [];

  constructor(
    private readonly stream: ManifestStream,
    private readonly doc: ManifestDocument,
    private readonly options: FindOptions,
    private readonly memo: StreamMemo,
  ) {}

  /** Occurrences in the order they are written, and the errors. */
  result(): { occurrences: ImageOccurrence[]; errors: Error[] } {
    const { found } = this;
    // Usually in stream order already, and sort() allocates even then.
    if (found.some((f, i) => i > 0 && found[i - 1]!.start > f.start)) found.sort((a, b) => a.start - b.start);
    return { occurrences: found.map((f) => f.occurrence), errors: this.errors };
  }

  private reference(image: string): ImageReference | Error {
    let reference = this.memo.references.get(image);
    if (!reference) {
      try {
        reference = parseReference(image);
      } catch (err) {
        reference = err as Error;
      }
      this.memo.references.set(image, reference);
    }
    return reference;
  }

  private where(object: KubeObject, path: string): string {
    return `${path} in ${describePlace(describeObject(object.kind, object.namespace, object.name), this.doc.source, this.doc.index)}`;
  }

  private add(object: KubeObject, field: NodeAtPath, rule?: ImageRule): void {
    const { path, node } = field;
    const isString = node.kind === 'scalar' && typeof node.value === 'string' && node.location;
    if (rule?.imageRegexp) {
      // A pattern reaches into strings; anything else it selects simply does not match.
      if (isString) this.addEmbedded(object, path, node, rule.imageRegexp);
      return;
    }
    if (!isString) {
      const by = rule ? `${rule.name} selects ` : '';
      this.errors.push(new ImageFieldError(`${by}${this.where(object, path)}: want an image string, found ${valueType(node)}`));
      return;
    }
    const location = node.location!;
    const { start } = location;
    if (this.seen.has(start)) return;
    this.seen.add(start);
    if (this.options.suspects) this.fieldRanges.push(location);
    this.addOccurrence(object, path, location, node.value as string);
  }

  /** The image an imageRegexp captures in a string (none when it does not match). */
  private addEmbedded(object: KubeObject, path: string, node: TreeNode & { kind: 'scalar' }, pattern: ImageRegexp): void {
    const location = node.location!;
    const value = node.value as string;
    const captured = pattern.capture(value);
    if (!captured || this.seen.has(location.start)) return;
    const span: StringSpan = { value, ...captured };
    if (span.length === value.length) {
      // The whole string: an image field like any other.
      this.seen.add(location.start);
      if (this.options.suspects) this.fieldRanges.push(location);
      this.addOccurrence(object, path, location, value);
      return;
    }
    this.spans ??= new Map();
    const spans = this.spans.get(location.start) ?? [];
    if (spans.some((s) => s.offset === span.offset)) return;
    spans.push(span);
    this.spans.set(location.start, spans);
    this.addOccurrence(object, path, location, value.slice(span.offset, span.offset + span.length), span);
  }

  private addOccurrence(object: KubeObject, path: string, location: ScalarLocation, image: string, span?: StringSpan): void {
    const { ignore } = this.options;
    // As the Go tool: -ignore is tried on the image as written, before it is parsed, and then on
    // go-containerregistry's Name() for it (index.docker.io/library/busybox:latest for busybox).
    if (ignore?.test(image)) return;
    const reference = this.reference(image);
    if (!(reference instanceof Error) && ignore?.test(goName(reference))) return;
    if (reference instanceof Error) {
      const at = span ? ` (offset ${span.offset} of ${JSON.stringify(span.value)})` : '';
      this.errors.push(new ImageFieldError(`${this.where(object, path)}${at}: ${reference.message}`));
      return;
    }
    const occurrence = new ImageOccurrence(
      this.stream, location, this.doc.index, object.kind, object.apiVersion, object.namespace, object.name, path, image, reference,
      this.doc, span,
    );
    this.found.push({ start: location.start + (span?.offset ?? 0), occurrence });
  }

  /**
   * The suspects of this document, once the images are found. `candidates` are the stream's
   * suspectCandidates; the document is read in full only when one of its own lies outside every
   * image field.
   */
  suspects(candidates: CandidateCursor): Suspect[] {
    const { chunk } = this.doc;
    const end = chunk.start + chunk.text.length;
    const { offsets } = candidates;
    const first = candidates.next;
    while (candidates.next < offsets.length && offsets[candidates.next]! < end) candidates.next++;
    // Both in stream order (the fields almost always are already): one sweep, however many there are.
    const ranges = this.fieldRanges;
    if (ranges.some((r, i) => i > 0 && ranges[i - 1]!.start > r.start)) ranges.sort((a, b) => a.start - b.start);
    let uncovered = false;
    for (let i = first, j = 0; i < candidates.next && !uncovered; i++) {
      const at = offsets[i]!;
      while (j < ranges.length && ranges[j]!.end <= at) j++;
      uncovered = !(j < ranges.length && ranges[j]!.start <= at);
    }
    if (!uncovered) return [];
    const coverage = { wholeScalars: this.seen, spans: this.spans ?? new Map() };
    const candidateIn = (from: number, to: number) => {
      // The first of this document's candidates at or after `from`, by binary search.
      let lo = first;
      let hi = candidates.next;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (offsets[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      return lo < candidates.next && offsets[lo]! < to;
    };
    const search = (tree: TreeNode | undefined) => documentSuspects(this.doc, tree, this.objects, coverage, this.options.ignore, candidateIn);
    try {
      return search(this.stream.everything(this.doc));
    } catch (err) {
      // The fast scanner skipped over a flow collection or a block scalar: read it all.
      if (!(err instanceof NeedsFullParse)) throw err;
      return search(this.doc.full().tree);
    }
  }

  /** Kubernetes objects: built-in kinds, and the rules that match them (rules read the full parse). */
  searchObjects(rules: readonly ImageRule[]): void {
    this.objects = this.doc.objects;
    for (const object of this.doc.objects) {
      for (const field of object.imageFields) this.add(object, field);
      for (const rule of rules) {
        if (!ruleApplies(rule, object)) continue;
        const { tree, data } = this.doc.full();
        for (const field of ruleMatches(rule, dataAt(data, object.prefix), childAt(tree, object.prefix), object.path)) this.add(object, field, rule);
      }
    }
  }

  /** Any YAML: every Raw rule, applied to the whole document. */
  searchRaw(rules: readonly ImageRule[]): void {
    const { tree, data } = this.doc.full();
    const object: KubeObject = { prefix: [], path: '$', ...identify(tree), apiVersion: '', imageFields: [] };
    this.objects = [object];
    for (const rule of rules) for (const f of ruleMatches(rule, data, tree, '$')) this.add(object, f, rule);
  }
}

/**
 * Finds every image occurrence, in stream order within each document, and (with
 * options.suspects) every suspect. Unusable image fields are collected and reported together.
 */
export function searchStream(stream: ManifestStream, rules: ImageRules, options: FindOptions = {}): FindResult {
  const images: ImageOccurrence[] = [];
  const suspects: Suspect[] = [];
  const errors: Error[] = [];
  const memo: StreamMemo = { references: new Map() };
  const candidates: CandidateCursor = { offsets: options.suspects ? suspectCandidates(stream.text) : [], next: 0 };
  for (const doc of stream.documents) {
    const search = new DocumentSearch(stream, doc, options, memo);
    if (rules.input === 'yaml') search.searchRaw(rules.rules);
    else search.searchObjects(rules.rules);
    const result = search.result();
    // Loops, not push(...xs): a document may hold more occurrences than a call takes arguments.
    for (const o of result.occurrences) images.push(o);
    for (const e of result.errors) errors.push(e);
    if (options.suspects && result.errors.length === 0) for (const s of search.suspects(candidates)) suspects.push(s);
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new AggregateReimageError(`${errors.length} image fields are not usable`, errors);
  return { images, suspects };
}

/** Every image occurrence (searchStream without the suspects). */
export function findImages(stream: ManifestStream, rules: ImageRules, options: FindOptions = {}): ImageOccurrence[] {
  return searchStream(stream, rules, { ...options, suspects: false }).images;
}
