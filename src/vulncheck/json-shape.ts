/**
 * Tolerant readers for scanner JSON, where every key may be missing: a missing or mistyped value
 * reads as undefined instead of throwing.
 */
export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A CVSS score, or undefined when missing, zero (protobuf/Go zero value) or not a number. */
export function asScore(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The highest defined score, or undefined when there is none. */
export function maxScore(scores: ReadonlyArray<number | undefined>): number | undefined {
  let max: number | undefined;
  for (const s of scores) if (s !== undefined && (max === undefined || s > max)) max = s;
  return max;
}
