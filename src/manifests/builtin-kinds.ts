/**
 * Where the built-in Kubernetes kinds keep their pod spec, whatever their apiVersion (old groups
 * such as extensions/v1beta1, apps/v1beta2 and batch/v1beta1 included), and where images sit in
 * a pod spec.
 */
import { child, childAt, seqItems, type TreeNode, type WantedKeys } from './tree.js';

export type JsonPathKey = string | number;

const TEMPLATE_SPEC = ['spec', 'template', 'spec'];

export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
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
  readonly path: readonly JsonPathKey[];
  readonly node: TreeNode;
}

/** Every image field present in the object's pod spec, if it is of a built-in kind. */
export function builtinImageFields(object: TreeNode, kind: string): NodeAtPath[] {
  const specPath = POD_SPEC_PATHS[kind];
  if (!specPath) return [];
  const spec = childAt(object, specPath);
  const found: NodeAtPath[] = [];
  for (const { list, path } of IMAGE_FIELDS) {
    seqItems(child(spec, list)).forEach((item, i) => {
      const node = childAt(item, path);
      if (node) found.push({ path: [...specPath, list, i, ...path], node });
    });
  }
  return found;
}

/** Adds to an object's WantedKeys every key builtinImageFields reads, for every kind. */
export function wantBuiltinImageFields(object: WantedKeys): void {
  for (const specPath of Object.values(POD_SPEC_PATHS)) {
    const spec = object.want(specPath);
    for (const { list, path } of IMAGE_FIELDS) spec.want([list, ...path]);
  }
}
