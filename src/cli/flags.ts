/**
 * Command-line parsing with the syntax of Go's `flag` package, so that every invocation of the Go
 * reimage keeps working: `-flag value`, `-flag=value`, `--flag value`, `--flag=value`, bool flags
 * alone or as `-flag=false`, parsing stops at `--` or at the first non-flag argument.
 */
import { UsageError, invalidFlagValue } from '../errors.js';

type FlagKind = 'bool' | 'string' | 'int' | 'float' | 'duration' | 'list' | 'repeat';

interface FlagSpecBase<K extends FlagKind, V> {
  readonly kind: K;
  readonly usage: string;
  readonly default: V;
  /** Shown instead of the default in usage (a default computed from the machine, say). */
  readonly defaultText?: string;
  /** Name of the value in usage ("regexp", "file"). */
  readonly valueName?: string;
}

export type FlagSpec =
  | FlagSpecBase<'bool', boolean>
  | FlagSpecBase<'string', string>
  | FlagSpecBase<'int', number>
  | FlagSpecBase<'float', number>
  | FlagSpecBase<'duration', number>
  | FlagSpecBase<'list', readonly string[]>
  /** Repeatable; each occurrence kept whole (like a Go flag.Value whose Set sees one occurrence). */
  | FlagSpecBase<'repeat', readonly string[]>;

export type FlagTable = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S['default'] extends readonly string[] ? string[] : S['default'];

type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

export interface ParsedFlags<T extends FlagTable> {
  values: FlagValues<T>;
  /** Names of the flags the user actually gave, for "was this set" questions. */
  given: ReadonlySet<keyof T & string>;
  /** Arguments after the flags. */
  rest: string[];
  help: boolean;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's longest time.Duration (2^63-1 ns), in milliseconds: Go rejects a longer one. */
const GO_MAX_DURATION_MS = 9_223_372_036_854.775;
/**
 * Node's timers take at most 2^31-1 ms (24.8 days) and fire after 1 ms for anything longer, so a
 * longer duration flag is clamped to this: for a run, 24.8 days is as good as forever.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parses a Go duration ("5m0s", "90s", "1h30m", "1.5h", "300ms") into milliseconds. */
export function parseGoDuration(text: string): number {
  const m = /^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)} (use Go syntax such as 90s, 5m0s or 1h30m)`);
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/([0-9]*\.?[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? 0);
  }
  if (total > GO_MAX_DURATION_MS) throw new Error(`invalid duration ${JSON.stringify(text)} (longer than Go's longest, about 2562047h)`);
  return m[1] === '-' ? -total : total;
}

/** Formats milliseconds the way Go prints a time.Duration ("10m0s", "1h0m0s", "1.5s"). */
function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms) / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = Number((rest - m * 60).toFixed(3));
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function convert(name: string, spec: FlagSpec, raw: string): unknown {
  const bad = (why: string) => invalidFlagValue(name, raw, why);
  switch (spec.kind) {
    case 'bool': {
      // Go's strconv.ParseBool
      if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
      if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
      throw bad('parse error: not a boolean');
    }
    case 'string':
      return raw;
    case 'list':
    case 'repeat':
      return raw;
    case 'int': {
      if (!/^[-+]?[0-9]+$/.test(raw)) throw bad('parse error: not an integer');
      return Number(raw);
    }
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw bad('parse error: not a number');
      return n;
    }
    case 'duration': {
      let ms: number;
      try {
        ms = parseGoDuration(raw);
      } catch (err) {
        throw bad((err as Error).message);
      }
      return Math.min(ms, MAX_TIMER_MS);
    }
  }
}

export function parseFlags<T extends FlagTable>(table: T, argv: readonly string[]): ParsedFlags<T> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    values[name] = spec.kind === 'list' || spec.kind === 'repeat' ? [...spec.default] : spec.default;
  }
  const given = new Set<string>();
  let help = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = table[name];
    if (!spec) {
      if (name === 'h' || name === 'help') {
        help = true;
        continue;
      }
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (spec.kind === 'bool') raw = 'true';
    else {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      raw = argv[++i] ?? '';
    }
    const value = convert(name, spec, raw);
    if (spec.kind === 'list') {
      // Repeatable; each occurrence may also be comma-separated.
      for (const item of (value as string).split(',')) if (item.trim()) (values[name] as string[]).push(item.trim()); // no spread: a value may list 100k+
    } else if (spec.kind === 'repeat') {
      (values[name] as string[]).push(value as string);
    } else {
      values[name] = value;
    }
    given.add(name);
  }
  return { values: values as FlagValues<T>, given: given as Set<keyof T & string>, rest: argv.slice(i), help };
}

/** Usage text in the layout of Go's flag.PrintDefaults. */
export function formatUsage(table: FlagTable): string {
  const lines: string[] = [];
  for (const name of Object.keys(table).sort()) {
    const spec = table[name]!;
    const valueName = spec.kind === 'bool' ? '' : ` ${spec.valueName ?? (spec.kind === 'list' || spec.kind === 'repeat' ? 'value' : spec.kind)}`;
    lines.push(`  -${name}${valueName}`);
    let def = spec.defaultText;
    if (def === undefined) {
      if (spec.kind === 'string' && spec.default !== '') def = JSON.stringify(spec.default);
      else if (spec.kind === 'bool' && spec.default) def = 'true';
      else if ((spec.kind === 'int' || spec.kind === 'float') && spec.default !== 0) def = String(spec.default);
      else if (spec.kind === 'duration') def = formatGoDuration(spec.default);
    }
    lines.push(`    \t${spec.usage.replaceAll('\n', '\n    \t')}${def !== undefined ? ` (default ${def})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
