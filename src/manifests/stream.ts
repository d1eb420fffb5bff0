/**
 * A multi-document manifest stream, kept as its original text. Documents are read once (by the
 * fast scanner, or by the full parser when the scanner declines); edits replace single scalars,
 * and toString() returns the input byte for byte apart from those scalars.
 */
import { AggregateReimageError } from '../errors.js';
import { composeDocument, InvalidYamlError, type ComposedDocument } from './compose.js';
import { fastScan } from './fast-scan.js';
import { objectsOf, SEARCHED_KEYS, type KubeObject } from './objects.js';
import { renderScalar } from './scalar-edit.js';
import { splitDocuments, type DocumentChunk, type SplitStream } from './split.js';
import { NeedsFullParse, type ScalarLocation } from './tree.js';

export class ManifestDocument {
  private composed: ComposedDocument | undefined;
  private helmSource: { readonly file: string | undefined } | undefined;

  constructor(
    readonly chunk: DocumentChunk,
    /** The document's Kubernetes objects, from the fast scanner or, when it declined, the full parser. */
    readonly objects: readonly KubeObject[],
    composed?: ComposedDocument,
  ) {
    this.composed = composed;
  }

  /** Whether the full parser has read this document (the fast scanner declined, or a search needed it). */
  get isComposed(): boolean {
    return this.composed !== undefined;
  }

  get index(): number {
    return this.chunk.index;
  }

  /**
   * The chart template the document came from: Helm 3 names it in a `# Source: chart/templates/x.yaml`
   * comment at the document's head, Helm 4 in a `postrenderer.helm.sh/postrender-filename` annotation.
   */
  get source(): string | undefined {
    this.helmSource ??= { file: sourceComment(this.chunk.text) ?? POSTRENDER_FILENAME.exec(this.chunk.text)?.[1] };
    return this.helmSource.file;
  }

  /** The fully parsed document: a tree without opaque parts, and the data as plain JavaScript. */
  full(): ComposedDocument {
    this.composed ??= composeDocument(this.chunk);
    return this.composed;
  }
}

// The document's head: its `---` line, blank lines and comments, up to the first content line.
const HEAD_LINE = /^(?:---[ \t]*|[ \t]*(?:#.*)?)\r?$/;
const SOURCE_COMMENT = /^# Source: (.+?)[ \t]*\r?$/;
const MAX_HEAD_LINES = 100;
const POSTRENDER_FILENAME = /^[ \t]+postrenderer\.helm\.sh\/postrender-filename: *['"]?([^'"\r\n]+?)['"]?[ \t]*\r?$/m;

function sourceComment(text: string): string | undefined {
  let pos = 0;
  for (let n = 0; n < MAX_HEAD_LINES && pos < text.length; n++) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl < 0 ? text.length : nl);
    const source = SOURCE_COMMENT.exec(line);
    if (source) return source[1];
    if (!HEAD_LINE.test(line)) return undefined;
    pos = nl < 0 ? text.length : nl + 1;
  }
  return undefined;
}

export class ManifestStream {
  private readonly edits = new Map<number, { end: number; text: string }>();

  constructor(
    readonly text: string,
    readonly documents: readonly ManifestDocument[],
  ) {}

  /** Replaces the scalar at `location` with `value`, quoting it if it needs quoting. */
  setScalar(location: ScalarLocation, value: string): void {
    const original = this.text.slice(location.start, location.end);
    this.edits.set(location.start, { end: location.end, text: renderScalar(original, location, value) });
  }

  toString(): string {
    if (this.edits.size === 0) return this.text;
    const parts: string[] = [];
    let pos = 0;
    for (const [start, edit] of [...this.edits].sort((a, b) => a[0] - b[0])) {
      parts.push(this.text.slice(pos, start), edit.text);
      pos = edit.end;
    }
    parts.push(this.text.slice(pos));
    return parts.join('');
  }
}

/**
 * The objects of a document, read by the fast scanner; undefined when the full parser must read
 * it (the scanner declined, or an object has a part the scanner skipped). The scanner's tree is
 * not kept.
 */
function scanObjects(split: SplitStream, chunk: DocumentChunk): KubeObject[] | undefined {
  const scanned = fastScan(split, chunk, SEARCHED_KEYS);
  if (!scanned) return undefined;
  try {
    return objectsOf(scanned.tree);
  } catch (err) {
    if (err instanceof NeedsFullParse) return undefined;
    throw err;
  }
}

/**
 * Reads a stream of YAML documents. Every document is checked; all invalid ones are reported
 * together, each with its index, line and column. `fastScan: false` sends every document through
 * the full parser (the fast scanner reads plain block documents the same way, only faster).
 */
export function parseManifestStream(text: string, options: { fastScan?: boolean } = {}): ManifestStream {
  const useFastScan = options.fastScan ?? true;
  const documents: ManifestDocument[] = [];
  const errors: InvalidYamlError[] = [];
  const split = splitDocuments(text);
  for (const chunk of split.chunks) {
    const objects = useFastScan ? scanObjects(split, chunk) : undefined;
    if (objects) {
      documents.push(new ManifestDocument(chunk, objects));
      continue;
    }
    try {
      const composed = composeDocument(chunk);
      documents.push(new ManifestDocument(chunk, objectsOf(composed.tree), composed));
    } catch (err) {
      if (!(err instanceof InvalidYamlError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new AggregateReimageError(`${errors.length} documents are not valid YAML`, errors);
  return new ManifestStream(text, documents);
}
