/**
 * Where the built-in Kubernetes kinds keep their pod spec, whatever their apiVersion (old groups
 * such as extensions/v1beta1, apps/v1beta2 and batch/v1beta1 included), and where images sit in
 * a pod spec.
 */
import { child, childAt, seqItems, type TreeNode } from './tree.js';

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

const CONTAINER_FIELDS = ['containers', 'initContainers', 'ephemeralContainers'];

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
  for (const field of CONTAINER_FIELDS) {
    seqItems(child(spec, field)).forEach((container, i) => {
      const node = child(container, 'image');
      if (node) found.push({ path: [...specPath, field, i, 'image'], node });
    });
  }
  seqItems(child(spec, 'volumes')).forEach((volume, i) => {
    const node = childAt(volume, ['image', 'reference']);
    if (node) found.push({ path: [...specPath, 'volumes', i, 'image', 'reference'], node });
  });
  return found;
}
