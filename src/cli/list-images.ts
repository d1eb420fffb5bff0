/** `-list-images`: every image occurrence, as a table or as JSON lines. */
import { formatReference } from '../reference/reference.js';
import type { ImageOccurrence } from '../manifests/index.js';

export type ListFormat = 'table' | 'json';

/** The lines of the list, each ending in a newline (not joined: the list may be longer than a string can be). */
export function formatImageList(occurrences: readonly ImageOccurrence[], format: ListFormat): string[] {
  if (format === 'json') {
    return occurrences.map((o) =>
      JSON.stringify({
        doc: o.doc,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        path: o.path,
        image: o.image,
        normalized: formatReference(o.reference),
      }) + '\n',
    );
  }
  const rows = [
    ['DOC', 'KIND', 'NAMESPACE', 'NAME', 'PATH', 'IMAGE'],
    ...occurrences.map((o) => [String(o.doc), o.kind, o.namespace, o.name, o.path, o.image]),
  ];
  // A reduce, not Math.max(...): the rows may outnumber the arguments a call can take.
  const widths = rows[0]!.map((_, col) => rows.reduce((max, row) => Math.max(max, row[col]!.length), 0));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ') + '\n');
}
