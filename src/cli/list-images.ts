/** `-list-images`: every image occurrence, as a table or as JSON lines. */
import { formatReference } from '../reference/reference.js';
import type { ImageOccurrence } from '../manifests/index.js';

export type ListFormat = 'table' | 'json';

/**
 * `extra` (JSON only) adds fields to each image's line, keyed by normalised reference: what
 * -show-referrers found in the registry.
 */
export function formatImageList(occurrences: readonly ImageOccurrence[], format: ListFormat, extra?: ReadonlyMap<string, object>): string {
  if (format === 'json') {
    const lines = occurrences.map((o) =>
      JSON.stringify({
        doc: o.doc,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        path: o.path,
        image: o.image,
        normalized: formatReference(o.reference),
        ...extra?.get(formatReference(o.reference)),
      }),
    );
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
  const rows = [
    ['DOC', 'KIND', 'NAMESPACE', 'NAME', 'PATH', 'IMAGE'],
    ...occurrences.map((o) => [String(o.doc), o.kind, o.namespace, o.name, o.path, o.image]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ') + '\n').join('');
}
