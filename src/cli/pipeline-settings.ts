/**
 * Checks the renaming, copying, mappings and registry flags and turns them into typed settings.
 * Runs before any input is read, so a bad template or regexp fails at start-up.
 */
import { UsageError, invalidFlagValue } from '../errors.js';
import type { Logger } from '../log.js';
import type { OutputForm } from '../pipeline/pipeline.js';
import { RenameTemplate } from '../pipeline/template.js';
import { parseReference } from '../reference/reference.js';
import type { RegistryClientOptions } from '../registry/index.js';
import { goRegExp, type GoRegexp } from '../regexp.js';
import type { ParsedFlags } from './flags.js';
import { DEFAULT_RENAME_TEMPLATE, type FLAGS } from './options.js';

export interface PipelineSettings {
  readonly rename?: { readonly template: RenameTemplate; readonly remotePath: string; readonly ignore: GoRegexp };
  readonly outputForm: OutputForm;
  readonly clobber: boolean;
  readonly noCopy: boolean;
  readonly dryRun: boolean;
  readonly registry: Omit<RegistryClientOptions, 'logger'>;
  readonly staticMappings?: { readonly file: string } | { readonly image: string };
  readonly verifyStaticMappings: boolean;
  readonly mappingsOnly: boolean;
  readonly writeMappingsFile?: string;
  readonly writeMappingsImage?: string;
}

function checkImageFlag(flag: string, value: string): string {
  try {
    parseReference(value);
  } catch (err) {
    throw new UsageError(`invalid value for flag -${flag}: ${(err as Error).message}`);
  }
  return value;
}

/** `-registry-mirror docker.io=mirror.example.com` (repeatable) → {'docker.io': 'mirror.example.com'}. */
function parseMirrors(values: readonly string[]): Record<string, string> {
  const mirrors: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const from = value.slice(0, eq).trim();
    const to = value.slice(eq + 1).trim();
    if (eq < 0 || !from || !to || to.includes('/')) {
      throw invalidFlagValue('registry-mirror', value, 'want REGISTRY=HOST[:PORT], e.g. docker.io=mirror.example.com');
    }
    mirrors[from === 'index.docker.io' ? 'docker.io' : from] = to;
  }
  return mirrors;
}

export function pipelineSettingsFromFlags(parsed: ParsedFlags<typeof FLAGS>, log: Logger): PipelineSettings {
  const v = parsed.values;
  const staticFile = v['static-json-mappings-file'];
  const staticImage = v['static-json-mappings-img'];
  if (staticFile && staticImage) {
    throw new UsageError('only one of -static-json-mappings-file and -static-json-mappings-img may be given');
  }
  const staticMappings = staticFile ? { file: staticFile } : staticImage ? { image: checkImageFlag('static-json-mappings-img', staticImage) } : undefined;
  if (v['mappings-only'] && !staticMappings) {
    throw new UsageError('-mappings-only needs -static-json-mappings-file or -static-json-mappings-img');
  }
  if (v['rename-force-digest'] && v['output-tag-and-digest']) {
    throw new UsageError('-rename-force-digest and -output-tag-and-digest are mutually exclusive');
  }
  if (v['registry-concurrency'] < 1) throw new UsageError('-registry-concurrency must be at least 1');
  // parseFlags has clamped it to Node's longest timer already.
  if (!(v['registry-timeout'] > 0)) throw invalidFlagValue('registry-timeout', `${v['registry-timeout'] / 1000}s`, 'must be more than 0');

  const remotePath = v['rename-remote-path'];
  const templateText = v['rename-template'];
  let rename: PipelineSettings['rename'];
  if (staticMappings && (remotePath || parsed.given.has('rename-template'))) {
    log.info('static mappings are given, so -rename-remote-path and -rename-template are not used');
  } else if (remotePath && templateText) {
    rename = {
      template: RenameTemplate.compile(templateText),
      remotePath,
      ignore: goRegExp(v['rename-ignore'], 'flag -rename-ignore'),
    };
  } else if (templateText !== DEFAULT_RENAME_TEMPLATE || remotePath) {
    log.info('renaming and copying are off: they need both -rename-remote-path and -rename-template');
  }

  return {
    ...(rename && { rename }),
    outputForm: v['rename-force-digest'] ? 'digest' : v['output-tag-and-digest'] ? 'tag-and-digest' : 'tag',
    clobber: v.clobber,
    noCopy: v['no-copy'],
    dryRun: v.dryrun,
    registry: {
      insecureRegistries: v['insecure-registry'],
      mirrors: parseMirrors(v['registry-mirror']),
      concurrency: v['registry-concurrency'],
      timeouts: { responseMs: v['registry-timeout'], idleMs: v['registry-timeout'] },
    },
    ...(staticMappings && { staticMappings }),
    verifyStaticMappings: v['verify-static-json-mappings'],
    mappingsOnly: v['mappings-only'],
    ...(v['write-json-mappings-file'] && { writeMappingsFile: v['write-json-mappings-file'] }),
    ...(v['write-json-mappings-img'] && { writeMappingsImage: checkImageFlag('write-json-mappings-img', v['write-json-mappings-img']) }),
  };
}
