/**
 * Bounds on what one YAML document may cost, checked before it is composed and walked (issue 11):
 * - nesting depth: `yaml`'s composer, the tree builder and JSONPath recurse, and JavaScript's stack
 *   ends near 800 levels with "Maximum call stack size exceeded";
 * - alias expansion: a few hundred bytes of nested aliases ("billion laughs") expand to billions
 *   of nodes; anything that walks the document (rules' JSONPaths, the image search) pays for the
 *   expansion, so it is bounded as go-yaml bounds it (few aliases, or a small share of the nodes);
 * - an alias inside the node it refers to (`&a [*a]`), a cycle that no walk would finish.
 */
import type { CST, Document, Node } from 'yaml';
import { yaml } from './lazy-deps.js';

/** Deepest nesting of collections accepted. Kubernetes objects nest a few dozen levels. */
export const MAX_NESTING_DEPTH = 500;
/** Expanded nodes always accepted, however many aliases (go-yaml's threshold too). */
const MAX_EXPANDED_NODES = 400_000;
/** Beyond that, the expansion may be at most this many times the nodes written. */
const MAX_EXPANSION_RATIO = 10;

export class DocumentLimitError extends Error {}

/** Offset of the deepest collection start past MAX_NESTING_DEPTH, or -1; iterative (no recursion). */
export function tooDeepAt(token: CST.Token | undefined): number {
  const stack: [CST.Token, number][] = [];
  if (token) stack.push([token, 0]);
  while (stack.length > 0) {
    const [t, depth] = stack.pop()!;
    if (t.type !== 'document' && t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection') continue;
    if (depth > MAX_NESTING_DEPTH) return t.offset;
    if (t.type === 'document') {
      if (t.value) stack.push([t.value, depth]);
      continue;
    }
    for (const item of t.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return -1;
}

/**
 * Checks that the document's aliases neither form a cycle nor expand it past the bounds; throws
 * DocumentLimitError with the reason. Linear in the document: each node is sized once.
 */
export function checkAliases(doc: Document.Parsed): void {
  const { isAlias, isCollection, isPair, isScalar } = yaml();
  const sizes = new Map<Node, number>();
  let written = 0;
  let aliases = 0;
  const size = (node: unknown, viaAlias: boolean): number => {
    if (isAlias(node)) {
      aliases++;
      const target = node.resolve(doc);
      if (!target) return 1;
      const known = sizes.get(target);
      if (known === -1) throw new DocumentLimitError(`the alias *${node.source} is inside the node it refers to`);
      return 1 + (known ?? size(target, true));
    }
    if (isScalar(node)) {
      if (!viaAlias) written++;
      return 1;
    }
    if (!isCollection(node)) return 0;
    const known = sizes.get(node);
    if (known !== undefined && known >= 0) return known;
    sizes.set(node, -1); // in progress: reaching it again through an alias is a cycle
    if (!viaAlias) written++;
    let total = 1;
    for (const item of node.items) {
      total += isPair(item) ? size(item.key, viaAlias) + size(item.value, viaAlias) : size(item, viaAlias);
    }
    sizes.set(node, total);
    return total;
  };
  const expanded = size(doc.contents, false);
  if (aliases > 0 && expanded > MAX_EXPANDED_NODES && expanded > MAX_EXPANSION_RATIO * written) {
    throw new DocumentLimitError(
      `its aliases expand ${written} nodes to ${expanded} (more than ${MAX_EXPANDED_NODES} and ${MAX_EXPANSION_RATIO} times ` +
        'the nodes written): an alias bomb?',
    );
  }
}
