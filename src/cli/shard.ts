/**
 * `-shard INDEX/COUNT`: a run handles only the distinct images whose normalised repository name
 * hashes to INDEX, so COUNT processes (a Kubernetes Indexed Job, say) split one mappings set
 * between them. The hash is SHA-256 of the name, so every machine and run agrees; hashing the
 * name (not the tag) keeps every tag of a repository in one shard, so shards never copy the same
 * target and tags sharing layers are copied by one process.
 */
import { createHash } from 'node:crypto';
import { invalidFlagValue } from '../errors.js';
import type { ImageReference } from '../reference/reference.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The most shards a run may be split into (a Job's completions are bounded too). */
const MAX_SHARDS = 100_000;

/** "2/4", or "/4" to take INDEX from $JOB_COMPLETION_INDEX (set in the pods of an Indexed Job). */
export function parseShard(value: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(\d*)\/(\d+)$/.exec(value.trim());
  if (!m) throw invalidFlagValue('shard', value, 'want INDEX/COUNT, e.g. 0/4, or /COUNT to take INDEX from $JOB_COMPLETION_INDEX');
  let indexText = m[1] ?? '';
  if (indexText === '') {
    indexText = env.JOB_COMPLETION_INDEX ?? '';
    if (!/^\d+$/.test(indexText)) {
      throw invalidFlagValue('shard', value, `INDEX is empty, so it comes from $JOB_COMPLETION_INDEX, which is ${indexText ? JSON.stringify(indexText) : 'not set'}`);
    }
  }
  const index = Number(indexText);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw invalidFlagValue('shard', value, `COUNT must be from 1 to ${MAX_SHARDS}`);
  if (index >= count) throw invalidFlagValue('shard', value, `INDEX ${index} must be below COUNT ${count} (shards count from 0)`);
  return { index, count };
}

/** The shard of a normalised repository name ("docker.io/library/nginx"). */
export function shardOf(name: string, count: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % count;
}

export function inShard(ref: ImageReference, shard: Shard): boolean {
  return shardOf(`${ref.domain}/${ref.path}`, shard.count) === shard.index;
}

export const describeShard = (shard: Shard) => `shard ${shard.index}/${shard.count}`;
