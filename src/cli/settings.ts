/** Checks the finding-images flags and turns them into typed settings. */
import { UsageError, invalidFlagValue } from '../errors.js';
import type { InputMode } from '../manifests/index.js';
import { goRegExp } from '../regexp.js';
import type { ParsedFlags } from './flags.js';
import type { ListFormat } from './list-images.js';
import type { FLAGS } from './options.js';
import type { SuspectsMode } from './suspects.js';

export interface FindSettings {
  readonly debug: boolean;
  readonly input: InputMode;
  readonly rulesConfig: string | undefined;
  readonly ignore: RegExp | undefined;
  readonly listImages: boolean;
  readonly listFormat: ListFormat;
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
  return {
    debug: v.debug,
    input: oneOf('input', v.input, ['k8s', 'yaml'] as const),
    rulesConfig: v['rules-config'] || undefined,
    ignore: v.ignore ? goRegExp(v.ignore, 'flag -ignore') : undefined,
    listImages: v['list-images'],
    listFormat: oneOf('output', v.output, ['table', 'json'] as const),
    suspects: oneOf('suspects', v.suspects, ['warn', 'fail', 'ignore'] as const),
  };
}
