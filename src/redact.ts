/**
 * Keeps secrets out of messages. Text that came from elsewhere (a registry's or token server's
 * error page, a credential helper's output) may echo what we sent it, so it is redacted before it
 * reaches an error or a log: every credential and token this run has handled, by value, and
 * anything shaped like one (Authorization headers, Basic/Bearer values, JWTs, secret-named fields).
 * The patterns are simple enough to run in linear time.
 */

const REDACTED = '[redacted]';
/** Shorter values are too likely to match ordinary words ("a", "test"). */
const MIN_SECRET_LENGTH = 4;

const knownSecrets = new Set<string>();

/** Remembers a secret (a password, token, or an encoding of one) so redact() removes it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

const SHAPES: readonly [RegExp, string][] = [
  // Authorization: <anything to the end of the line or string>
  [/(\b(?:proxy-)?authorization\b["']?\s*[:=]\s*["']?)[^\r\n"',}]*/gi, `$1${REDACTED}`],
  // A Basic or Bearer credential, but not an English word after it ("its Bearer challenge").
  [/\b([Bb]asic|[Bb]earer|BASIC|BEARER)(\s+)(?![a-z]+(?![A-Za-z0-9+/=._~-]))[A-Za-z0-9+/=._~-]{4,}/g, `$1$2${REDACTED}`],
  // JSON ("secret": "v"), form (password=v&) and header/YAML (token: v) fields with secret names.
  [/(["']?\b(?:password|passwd|secret|token|access_token|refresh_token|id_token|identitytoken|identity_token|client_secret|auth|apikey|api_key)\b["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s"'&,;}]+)/gi, `$1${REDACTED}`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}
