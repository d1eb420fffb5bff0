/**
 * Go's json.Marshal escapes <, > and & (for safe embedding in HTML) and U+2028/U+2029 (for
 * JavaScript); JSON.stringify does not. Applied to JSON.stringify's output, this gives Go's bytes.
 */
export function goJsonEscape(json: string): string {
  return json.replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}
