/**
 * A small read-only view of a YAML document, built either by the fast scanner or from a composed
 * `yaml` Document: just enough to find images and to know where each scalar sits in the stream.
 * The fast scanner builds only the parts the image search reads (see WantedKeys).
 */

/** Where a scalar is written in the stream, and how, so that it can be rewritten in place. */
export interface ScalarLocation {
  /** Offsets in the whole stream: text.slice(start, end) is the scalar as written. */
  readonly start: number;
  readonly end: number;
  /** CST token type of the scalar. */
  readonly tokenType: 'scalar' | 'single-quoted-scalar' | 'double-quoted-scalar' | 'block-scalar';
  /** Indentation of the scalar's parent collection, as the CST records it. */
  readonly indent: number;
  readonly inFlow: boolean;
}

/**
 * The keys of a mapping that a reader wants, each with what it wants inside that key's value.
 * A sequence's items are read with the sequence's own WantedKeys.
 */
export class WantedKeys {
  readonly names: string[] = [];
  /** What is wanted inside the value of names[i]. */
  readonly inside: WantedKeys[] = [];

  /** Every key, at every depth (for the suspects, which read every string). */
  static readonly ALL: WantedKeys = new WantedKeys(true);

  constructor(
    /** Wants every key, and everything inside each: `names` and `inside` are unused. */
    readonly all = false,
  ) {}

  /** Wants `key`, and `inside` within its value; returns `inside`. */
  add(key: string, inside = new WantedKeys()): WantedKeys {
    this.names.push(key);
    this.inside.push(inside);
    return inside;
  }

  /** Wants a path of keys; returns what is wanted at its end, to add more below it. */
  want(path: readonly string[]): WantedKeys {
    let at: WantedKeys = this;
    for (const key of path) {
      const i = at.names.indexOf(key);
      at = i < 0 ? at.add(key) : at.inside[i]!;
    }
    return at;
  }
}

interface MapNode {
  readonly kind: 'map';
  /**
   * The keys, and at the same index each one's value (undefined when absent). With duplicate keys
   * the last one wins, as in go-yaml and kubectl.
   */
  readonly keys: readonly string[];
  readonly values: readonly (TreeNode | undefined)[];
  /** True when only `keys` were read (by the fast scanner): any other key is unknown, not absent. */
  readonly partial: boolean;
}

interface SeqNode {
  readonly kind: 'seq';
  readonly items: readonly TreeNode[];
}

export interface ScalarNode {
  readonly kind: 'scalar';
  /** The resolved value (a string, number, boolean or null). */
  readonly value: unknown;
  readonly location?: ScalarLocation;
}

/**
 * Something the fast scanner skipped over without reading (a block scalar, a flow collection, a
 * value nobody wanted). Looking inside it needs the full parser.
 */
interface OpaqueNode {
  readonly kind: 'opaque';
  /** Its extent in the stream, when read with WantedKeys.ALL (a block scalar). */
  readonly start?: number;
  readonly end?: number;
}

export type TreeNode = MapNode | SeqNode | ScalarNode | OpaqueNode;

/** Thrown when a search reaches an OpaqueNode: the caller re-reads the document fully. */
export class NeedsFullParse extends Error {}

function open(node: TreeNode | undefined): Exclude<TreeNode, OpaqueNode> | undefined {
  if (node?.kind === 'opaque') throw new NeedsFullParse('opaque node');
  return node;
}

export function child(node: TreeNode | undefined, key: string | number): TreeNode | undefined {
  const n = open(node);
  if (n?.kind === 'map') {
    const i = n.keys.lastIndexOf(typeof key === 'string' ? key : String(key));
    if (i < 0 && n.partial) throw new NeedsFullParse(`key ${key} was not read`);
    return i < 0 ? undefined : n.values[i];
  }
  if (n?.kind === 'seq' && typeof key === 'number') return n.items[key];
  return undefined;
}

export function childAt(node: TreeNode | undefined, path: readonly (string | number)[]): TreeNode | undefined {
  let n = node;
  for (const key of path) n = child(n, key);
  return open(n);
}

/** The string value at `key`, or undefined when absent or not a string. */
export function stringAt(node: TreeNode | undefined, ...path: string[]): string | undefined {
  const n = childAt(node, path);
  return n?.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined;
}

/** Items of a sequence (none when absent or not a sequence). */
export function seqItems(node: TreeNode | undefined): readonly TreeNode[] {
  const n = open(node);
  return n?.kind === 'seq' ? n.items : [];
}
