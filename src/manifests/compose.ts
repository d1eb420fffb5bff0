/**
 * The full reader: parses one document with `yaml`'s CST parser and composer, reports invalid
 * YAML with its position, and converts the result into the tree the image finder walks.
 */
import type { Document, Node } from 'yaml';
import { ReimageError } from '../errors.js';
import { yaml } from './lazy-deps.js';
import { checkAliases, DocumentLimitError, MAX_NESTING_DEPTH, tooDeepAt } from './document-limits.js';
import type { DocumentChunk } from './split.js';
import type { ScalarLocation, TreeNode } from './tree.js';

export class InvalidYamlError extends ReimageError {}

export interface ComposedDocument {
  readonly tree: TreeNode | undefined;
  /** The document as plain JavaScript data, for JSONPath queries. */
  readonly data: unknown;
}

/** 1-based line and column of an offset within a chunk, counted in the whole stream. */
function positionOf(chunk: DocumentChunk, offset: number): { line: number; column: number } {
  let line = chunk.line + 1;
  let lineStart = 0;
  for (let i = chunk.text.indexOf('\n'); i >= 0 && i < offset; i = chunk.text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export function composeDocument(chunk: DocumentChunk): ComposedDocument {
  const { Composer, Parser } = yaml();
  const tokens = [...new Parser().parse(chunk.text)];
  for (const token of tokens) {
    const at = tooDeepAt(token);
    if (at >= 0) {
      const { line, column } = positionOf(chunk, at);
      throw new InvalidYamlError(
        `document ${chunk.index} nests collections deeper than ${MAX_NESTING_DEPTH} levels (at line ${line}, column ${column})`,
      );
    }
  }
  // logLevel 'error': yaml's warnings (a collection as a key...) would go to stderr as Node process warnings.
  const composer = new Composer({ keepSourceTokens: true, uniqueKeys: false, logLevel: 'error' });
  const docs: Document.Parsed[] = [...composer.compose(tokens, true)];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const { line, column } = positionOf(chunk, err.pos[0]);
      throw new InvalidYamlError(
        `invalid YAML in document ${chunk.index} at line ${line}, column ${column}: ${err.message.split('\n')[0]}`,
      );
    }
  }
  // The splitter guarantees at most one document per chunk.
  const doc = docs[0];
  if (!doc) return { tree: undefined, data: null };
  let data: unknown;
  try {
    checkAliases(doc);
    // Aliases become shared references (checkAliases bounded what walking them costs).
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    if (err instanceof DocumentLimitError) throw new InvalidYamlError(`document ${chunk.index} is refused: ${err.message}`);
    // An alias whose anchor is not in this document (anchors do not cross documents).
    throw new InvalidYamlError(`invalid YAML in document ${chunk.index}: ${(err as Error).message}`);
  }
  return { tree: toTree(doc, doc.contents, chunk.start, false, new Map()), data };
}

/** The tree of `node`; an alias shares the tree of the node it refers to (built once, in `built`). */
function toTree(doc: Document.Parsed, node: Node | null, base: number, inFlow: boolean, built: Map<Node, TreeNode | undefined>): TreeNode | undefined {
  const { isAlias } = yaml();
  if (node === null) return undefined;
  if (isAlias(node)) {
    const target = node.resolve(doc) ?? null;
    return target && built.has(target) ? built.get(target) : toTree(doc, target, base, inFlow, built);
  }
  const tree = buildTree(doc, node, base, inFlow, built);
  built.set(node, tree);
  return tree;
}

function buildTree(doc: Document.Parsed, node: Node, base: number, inFlow: boolean, built: Map<Node, TreeNode | undefined>): TreeNode | undefined {
  const { CST, isAlias, isMap, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const flow = inFlow || node.flow === true;
    const keys: string[] = [];
    const values: TreeNode[] = [];
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : isAlias(pair.key) ? pair.key.resolve(doc)?.toJSON() : pair.key;
      const value = toTree(doc, pair.value as Node | null, base, flow, built);
      keys.push(String(key));
      values.push(value ?? { kind: 'scalar', value: null });
    }
    return { kind: 'map', keys, values, partial: false };
  }
  if (isSeq(node)) {
    const flow = inFlow || node.flow === true;
    return {
      kind: 'seq',
      items: node.items.map((item) => toTree(doc, item as Node | null, base, flow, built) ?? { kind: 'scalar', value: null }),
    };
  }
  if (isScalar(node)) {
    const token = node.srcToken;
    let location: ScalarLocation | undefined;
    if (CST.isScalar(token) && token.type !== 'alias' && node.range) {
      location = {
        start: base + node.range[0],
        end: base + node.range[1],
        tokenType: token.type,
        indent: token.indent,
        inFlow,
      };
    }
    return { kind: 'scalar', value: node.value, ...(location && { location }) };
  }
  return undefined;
}
