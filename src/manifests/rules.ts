/**
 * Image rules: which JSONPaths hold images in which kinds of object. The file format is the Go
 * reimage's `-rules-config`: a YAML list of {kind, apiVersion, imageJSONP}, where kind and
 * apiVersion are (unanchored, RE2) regexps and `kind: Raw` marks rules for `-input yaml`.
 * `imageRegexp` (ours) reaches into the selected strings: its single capture group is the image,
 * as in `--prometheus-config-reloader=(.+)`.
 */
import { BodyTooLargeError, formatBytes, readFileCappedSync } from '../bounded-read.js';
import { errorMessage, invalidFlagValue } from '../errors.js';
import { goRegExp, type GoRegexp } from '../regexp.js';
import { compileImageRegexp, type ImageRegexp } from './image-regexp.js';
import { jsonPath, yaml } from './lazy-deps.js';
import { RulesConfigError } from './rules-error.js';

export { RulesConfigError };

export type InputMode = 'k8s' | 'yaml';

export interface ImageRule {
  /** How errors name the rule: "rule 2 (kind ^Foo$) in rules.yaml" or "built-in rule for Prometheus". */
  readonly name: string;
  /** Matches every document when the rule is a `kind: Raw` rule. */
  readonly raw: boolean;
  readonly kind: GoRegexp;
  readonly apiVersion: GoRegexp;
  /** JSONPath expressions (RFC 9535) selecting image strings. */
  readonly paths: readonly string[];
  /** Where the image sits inside each selected string: the pattern's only capture group. */
  readonly imageRegexp?: ImageRegexp;
}

export interface ImageRules {
  readonly input: InputMode;
  /** The rules that apply in this input mode: Raw rules for yaml, all others for k8s. */
  readonly rules: readonly ImageRule[];
}

interface RuleConfig {
  kind?: string;
  apiVersion?: string;
  imageJSONP?: string[];
  imageRegexp?: string;
}

/** Prometheus-operator objects whose `spec.image` is a container image. */
const BUILTIN_RULE_CONFIGS: readonly RuleConfig[] = ['Prometheus', 'Alertmanager', 'ThanosRuler'].map((kind) => ({
  kind: `^${kind}$`,
  apiVersion: '^monitoring\\.coreos\\.com/v1$',
  imageJSONP: ['$.spec.image'],
}));

const FIELDS: Readonly<Record<string, keyof RuleConfig>> = {
  kind: 'kind', apiversion: 'apiVersion', imagejsonp: 'imageJSONP', imageregexp: 'imageRegexp',
};

/** Checks the shape of a rules file (field names match case-insensitively, as Go's JSON decoding does). */
function readRuleConfigs(data: unknown, source: string): RuleConfig[] {
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new RulesConfigError(`${source}: want a YAML list of rules, got ${typeName(data)}`);
  return data.map((item: unknown, i) => {
    const where = `${source}: rule ${i + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new RulesConfigError(`${where}: want a mapping with kind, apiVersion and imageJSONP, got ${typeName(item)}`);
    }
    const config: RuleConfig = {};
    for (const [key, value] of Object.entries(item)) {
      const field = FIELDS[key.toLowerCase()];
      if (!field) throw new RulesConfigError(`${where}: unknown field ${JSON.stringify(key)} (want kind, apiVersion, imageJSONP, imageRegexp)`);
      if (field === 'imageJSONP') {
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new RulesConfigError(`${where}: imageJSONP must be a list of JSONPath strings`);
        }
        config.imageJSONP = value;
      } else {
        if (typeof value !== 'string') throw new RulesConfigError(`${where}: ${field} must be a string (a regexp)`);
        config[field] = value;
      }
    }
    return config;
  });
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/** Checks a rule's JSONPaths (the built-in rules' are known to be good, and are not checked). */
function checkJsonPaths(config: RuleConfig, name: string): void {
  for (const path of config.imageJSONP ?? []) {
    try {
      jsonPath().exec({}, path, () => {});
    } catch (err) {
      throw new RulesConfigError(`${name}: invalid JSONPath ${JSON.stringify(path)}: ${errorMessage(err)}`);
    }
  }
}

function compileRule(config: RuleConfig, name: string): ImageRule {
  const raw = config.kind === 'Raw';
  return {
    name,
    raw,
    kind: goRegExp(raw ? '' : config.kind ?? '', `the kind of ${name}`),
    apiVersion: goRegExp(raw ? '' : config.apiVersion ?? '', `the apiVersion of ${name}`),
    paths: config.imageJSONP ?? [],
    ...(config.imageRegexp !== undefined && { imageRegexp: compileImageRegexp(config.imageRegexp, name) }),
  };
}

/** Compiles rules from the text of a rules file plus the built-in rules. */
export function parseImageRules(text: string | undefined, source: string, input: InputMode): ImageRules {
  let data: unknown = null;
  if (text !== undefined) {
    try {
      data = yaml().parse(text, { uniqueKeys: false });
    } catch (err) {
      throw new RulesConfigError(`${source}: invalid YAML: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  const rules = readRuleConfigs(data, source).map((config, i) => {
    const name = `rule ${i + 1} (kind ${config.kind ?? ''}) in ${source}`;
    checkJsonPaths(config, name);
    return compileRule(config, name);
  });
  rules.push(...BUILTIN_RULE_CONFIGS.map((config) => compileRule(config, `built-in rule for ${config.kind}`)));
  return { input, rules: rules.filter((rule) => rule.raw === (input === 'yaml')) };
}

/** A rules file holds a handful of rules, some 100 bytes each: this leaves room for thousands. */
const MAX_RULES_FILE_BYTES = 1 << 20;

/** Reads the `-rules-config` file (if any, to its end: it may be a pipe) and compiles it with the built-in rules. */
export async function loadImageRules(file: string | undefined, input: InputMode): Promise<ImageRules> {
  let text: string | undefined;
  if (file) {
    try {
      text = readFileCappedSync(file, MAX_RULES_FILE_BYTES, `-rules-config file ${file}`);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw invalidFlagValue('rules-config', file,
          `the file is larger than the ${formatBytes(MAX_RULES_FILE_BYTES)} limit; a rules file is a short YAML list of rules: check that this is the right file`);
      }
      throw new RulesConfigError(`cannot read -rules-config file: ${errorMessage(err)}`);
    }
  }
  return parseImageRules(text, file || 'rules', input);
}
