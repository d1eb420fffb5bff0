/**
 * Finds every image in a manifest stream: in the pod specs of built-in kinds, through `items` of
 * List kinds, and wherever the image rules' JSONPaths point. Each occurrence can be rewritten in
 * place.
 */
import { AggregateReimageError, ReimageError } from '../errors.js';
import { matchesImage, parseReference, type ImageReference } from '../reference/reference.js';
import type { JsonPathKey, NodeAtPath } from './builtin-kinds.js';
import { formatJsonPath } from './json-path.js';
import { jsonPath } from './lazy-deps.js';
import { identify, type KubeObject } from './objects.js';
import type { ImageRule, ImageRules } from './rules.js';
import type { ManifestDocument, ManifestStream } from './stream.js';
import { childAt, type ScalarLocation, type TreeNode } from './tree.js';

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
  ) {}

  /** The chart template the document came from, when Helm named it (read only for error messages). */
  get source(): string | undefined {
    return this.document.source;
  }

  /** Rewrites this image in the stream (quoting it when needed). */
  setImage(newImage: string): void {
    this.stream.setScalar(this.location, newImage);
  }

  /** "Deployment web/frontend" */
  get objectName(): string {
    return describeObject(this.kind, this.namespace, this.name);
  }
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
  readonly ignore?: RegExp;
}

function describeObject(kind: string, namespace: string, name: string): string {
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

/** The search of one document. */
class DocumentSearch {
  private readonly found: { start: number; occurrence: ImageOccurrence }[] = [];
  private readonly errors: Error[] = [];
  private readonly seen = new Set<number>();

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
    if (node.kind !== 'scalar' || typeof node.value !== 'string' || !node.location) {
      const by = rule ? `${rule.name} selects ` : '';
      this.errors.push(new ImageFieldError(`${by}${this.where(object, path)}: want an image string, found ${valueType(node)}`));
      return;
    }
    const { start } = node.location;
    if (this.seen.has(start)) return;
    this.seen.add(start);
    const image = node.value;
    const { ignore } = this.options;
    // As the Go tool: -ignore is tried on the image as written, before it is parsed, and then on
    // go-containerregistry's Name() for it (index.docker.io/library/busybox:latest for busybox).
    if (ignore?.test(image)) return;
    const reference = this.reference(image);
    if (!(reference instanceof Error) && ignore && matchesImage(ignore, image, reference)) return;
    if (reference instanceof Error) {
      this.errors.push(new ImageFieldError(`${this.where(object, path)}: ${reference.message}`));
      return;
    }
    const occurrence = new ImageOccurrence(
      this.stream, node.location, this.doc.index, object.kind, object.apiVersion, object.namespace, object.name, path, image, reference,
      this.doc,
    );
    this.found.push({ start, occurrence });
  }

  /** Kubernetes objects: built-in kinds, and the rules that match them (rules read the full parse). */
  searchObjects(rules: readonly ImageRule[]): void {
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
    for (const rule of rules) for (const f of ruleMatches(rule, data, tree, '$')) this.add(object, f, rule);
  }
}

/**
 * Finds every image occurrence, in stream order within each document. Unusable image fields are
 * collected and reported together.
 */
export function findImages(stream: ManifestStream, rules: ImageRules, options: FindOptions = {}): ImageOccurrence[] {
  const found: ImageOccurrence[] = [];
  const errors: Error[] = [];
  const memo: StreamMemo = { references: new Map() };
  for (const doc of stream.documents) {
    const search = new DocumentSearch(stream, doc, options, memo);
    if (rules.input === 'yaml') search.searchRaw(rules.rules);
    else search.searchObjects(rules.rules);
    const result = search.result();
    found.push(...result.occurrences);
    errors.push(...result.errors);
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new AggregateReimageError(`${errors.length} image fields are not usable`, errors);
  return found;
}
