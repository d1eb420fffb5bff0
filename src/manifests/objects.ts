/**
 * The Kubernetes objects of a document (its root, and the items of List kinds, recursively), each
 * read once: kind, apiVersion, namespace, name and the image fields of the built-in kinds. For a
 * fast-scanned document this is all that is kept, so its tree is garbage at once (a large stream's
 * trees, all kept, were most of the garbage collector's work).
 */
import { builtinImageFields, isListKind, wantBuiltinImageFields, type JsonPathKey, type NodeAtPath } from './builtin-kinds.js';
import { child, childAt, seqItems, stringAt, WantedKeys, type TreeNode } from './tree.js';

export interface KubeObject {
  /** Where the object is in its document: [] for the root, ['items', 0] for an item of a List. */
  readonly prefix: readonly JsonPathKey[];
  /** The same as a normalized JSONPath: `$`, `$.items[0]`. */
  readonly path: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  /** The image fields of a built-in kind's pod spec. */
  readonly imageFields: readonly NodeAtPath[];
}

/** Every key objectsOf reads: the fast scanner builds nothing else. */
export const SEARCHED_KEYS: WantedKeys = (() => {
  const object = new WantedKeys();
  for (const path of [['kind'], ['apiVersion'], ['metadata', 'name'], ['metadata', 'namespace']]) object.want(path);
  object.add('items', object);
  wantBuiltinImageFields(object);
  return object;
})();

/** kind, metadata.namespace and metadata.name of a node ('' when absent). */
export function identify(node: TreeNode | undefined): Pick<KubeObject, 'kind' | 'namespace' | 'name'> {
  const meta = child(node, 'metadata');
  return { kind: stringAt(node, 'kind') ?? '', namespace: stringAt(meta, 'namespace') ?? '', name: stringAt(meta, 'name') ?? '' };
}

const ROOT: readonly JsonPathKey[] = [];

/** The document's object, and the objects inside List kinds, recursively. */
export function objectsOf(node: TreeNode | undefined, prefix = ROOT, path = '$'): KubeObject[] {
  if (node?.kind !== 'map') return [];
  const { kind, namespace, name } = identify(node);
  // Fields listed, not spread: one object shape for every document.
  const object: KubeObject = {
    prefix,
    path,
    kind,
    apiVersion: stringAt(node, 'apiVersion') ?? '',
    namespace,
    name,
    imageFields: builtinImageFields(node, kind, path),
  };
  if (!isListKind(kind)) return [object];
  const items = seqItems(childAt(node, ['items']));
  return [object, ...items.flatMap((item, i) => objectsOf(item, [...prefix, 'items', i], `${path}.items[${i}]`))];
}
