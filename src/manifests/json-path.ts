/**
 * Formats a location as a JSONPath in the familiar dotted style: `$.spec.containers[0].image`; or,
 * with `base`, the location of `path` inside the node at JSONPath `base`.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatJsonPath(path: readonly (string | number)[], base = '$'): string {
  let out = base;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += `.${key}`;
    else out += `['${key.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
  }
  return out;
}
