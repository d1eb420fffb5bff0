/**
 * Where the built-in Kubernetes kinds keep their pod spec, whatever their apiVersion (old groups
 * such as extensions/v1beta1, apps/v1beta2 and batch/v1beta1 included), and where images sit in
 * a pod spec.
 */
import { formatJsonPath } from './json-path.js';
import { child, childAt, seqItems, type TreeNode, type WantedKeys } from './tree.js';

export type JsonPathKey = string | number;

const TEMPLATE_SPEC = ['spec', 'template', 'spec'];

const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  ReplicationController: TEMPLATE_SPEC,
  ReplicaSet: TEMPLATE_SPEC,
  Deployment: TEMPLATE_SPEC,
  StatefulSet: TEMPLATE_SPEC,
  DaemonSet: TEMPLATE_SPEC,
  Job: TEMPLATE_SPEC,
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Image fields of a pod spec: `path` inside every item of the list `list`. */
const IMAGE_FIELDS: readonly { list: string; path: readonly string[] }[] = [
  ...['containers', 'initContainers', 'ephemeralContainers'].map((list) => ({ list, path: ['image'] })),
  { list: 'volumes', path: ['image', 'reference'] },
];

/** `List` and every `*List` kind hold their objects in `items`. */
export function isListKind(kind: string): boolean {
  return kind.endsWith('List');
}

export interface NodeAtPath {
  /** Normalized JSONPath from the document's root: `$.spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly node: TreeNode;
}

/**
 * The paths of image fields in documents' root objects, by kind, IMAGE_FIELDS index and item
 * index: a large stream repeats the same few, so each is formatted (and kept) once.
 */
const ROOT_FIELD_PATHS = new Map<string, string[][]>();

function fieldPath(kind: string, field: number, i: number, objectPath: string): string {
  const keys = () => [...POD_SPEC_PATHS[kind]!, IMAGE_FIELDS[field]!.list, i, ...IMAGE_FIELDS[field]!.path];
  if (objectPath !== '$') return formatJsonPath(keys(), objectPath);
  let byField = ROOT_FIELD_PATHS.get(kind);
  if (!byField) ROOT_FIELD_PATHS.set(kind, (byField = IMAGE_FIELDS.map(() => [])));
  return (byField[field]![i] ??= formatJsonPath(keys()));
}

/** Every image field present in the object (at JSONPath objectPath) if it is of a built-in kind. */
export function builtinImageFields(object: TreeNode, kind: string, objectPath: string): readonly NodeAtPath[] {
  const specPath = POD_SPEC_PATHS[kind];
  if (!specPath) return [];
  const spec = childAt(object, specPath);
  const found: NodeAtPath[] = [];
  IMAGE_FIELDS.forEach(({ list, path }, field) => {
    seqItems(child(spec, list)).forEach((item, i) => {
      const node = childAt(item, path);
      if (node) found.push({ path: fieldPath(kind, field, i, objectPath), node });
    });
  });
  // Kept as long as the stream: push() left room for 17 entries, slice() copies just the ones found.
  return found.slice();
}

/** Adds to an object's WantedKeys every key builtinImageFields reads, for every kind. */
export function wantBuiltinImageFields(object: WantedKeys): void {
  for (const specPath of Object.values(POD_SPEC_PATHS)) {
    const spec = object.want(specPath);
    for (const { list, path } of IMAGE_FIELDS) spec.want([list, ...path]);
  }
}
