/** Checks the finding-images flags and turns them into typed settings. */
import { UsageError, invalidFlagValue } from '../errors.js';
import type { InputMode } from '../manifests/index.js';
import { goRegExp, type GoRegexp } from '../regexp.js';
import type { ParsedFlags } from './flags.js';
import type { ListFormat } from './list-images.js';
import type { FLAGS } from './options.js';
import { parseShard, type Shard } from './shard.js';
import type { SuspectsMode } from './suspects.js';

export interface FindSettings {
  readonly debug: boolean;
  readonly input: InputMode;
  readonly rulesConfig: string | undefined;
  readonly ignore: GoRegexp | undefined;
  readonly listImages: boolean;
  readonly listFormat: ListFormat;
  readonly shard: Shard | undefined;
  readonly suspects: SuspectsMode;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidFlagValue(flag, value, `want ${allowed.join(' or ')}`);
}

export function settingsFromFlags(parsed: ParsedFlags<typeof FLAGS>): FindSettings {
  const v = parsed.values;
  if (parsed.rest.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.rest[0])}: reimage reads manifests from standard input`);
  }
  const shard = v.shard ? parseShard(v.shard) : undefined;
  if (shard && !v['mappings-only'] && !v['list-images']) {
    // A shard of a manifest stream would print manifests with only some images rewritten.
    throw new UsageError('-shard needs -mappings-only or -list-images');
  }
  if (shard && v['write-json-mappings-img'] && !v['list-images']) {
    throw new UsageError('-shard and -write-json-mappings-img cannot be combined: every shard would overwrite the mappings image with its own part');
  }
  return {
    debug: v.debug,
    input: oneOf('input', v.input, ['k8s', 'yaml'] as const),
    rulesConfig: v['rules-config'] || undefined,
    ignore: v.ignore ? goRegExp(v.ignore, 'flag -ignore') : undefined,
    listImages: v['list-images'],
    listFormat: oneOf('output', v.output, ['table', 'json'] as const),
    shard,
    suspects: oneOf('suspects', v.suspects, ['warn', 'fail', 'ignore'] as const),
  };
}
