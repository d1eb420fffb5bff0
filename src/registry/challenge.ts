/** Parsing of `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

/** The first Basic or Bearer challenge in the header, or undefined. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(basic|bearer)\b\s*(.*)$/is.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const paramRe = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/gi;
  for (const m of match[2]!.matchAll(paramRe)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return { scheme: match[1]!.toLowerCase() as Challenge['scheme'], params };
}
