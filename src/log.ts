/**
 * Logging goes to stderr only: stdout carries nothing but the YAML result. Every line is redacted
 * (see redact.ts), so a secret echoed back by a server never reaches a log.
 */
import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const min = order[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const at = (level: LogLevel) => (msg: string) => {
    if (order[level] >= min) write(`reimage: ${level === 'info' ? '' : `${level}: `}${redact(msg)}\n`);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debugEnabled: min === 0,
  };
}

/** A logger that drops everything; for library callers and tests that do not care. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
