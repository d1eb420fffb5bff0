/**
 * `-list-images`: every image occurrence, then every suspect (a reference in a string outside
 * every image field), as a table or as JSON lines.
 */
import { formatReference, type ImageReference } from '../reference/reference.js';
import type { ImageOccurrence, Suspect } from '../manifests/index.js';

export type ListFormat = 'table' | 'json';

/** What a row shows; `span` places an image inside a longer string. */
interface Row {
  readonly doc: number;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
  readonly span?: { readonly offset: number; readonly length: number } | undefined;
  readonly image: string;
  readonly reference: ImageReference;
}

/** How a suspect is marked in the table. */
const SUSPECT_MARK = '(suspect: not checked or copied)';

/**
 * The lines of the list, each ending in a newline (not joined: the list may be longer than a string
 * can be). `extra` (JSON only) adds fields to each image's line, keyed by normalised reference:
 * what -show-referrers found in the registry.
 */
export function formatImageList(
  occurrences: readonly ImageOccurrence[], suspects: readonly Suspect[], format: ListFormat, extra?: ReadonlyMap<string, object>,
): string[] {
  const rows: { row: Row; suspect: boolean }[] = [
    ...occurrences.map((row) => ({ row, suspect: false })),
    ...suspects.map((row) => ({ row, suspect: true })),
  ];
  if (format === 'json') {
    return rows.map(({ row: o, suspect }) => `${JSON.stringify({
      doc: o.doc,
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      path: o.path,
      ...(o.span && { offset: o.span.offset, length: o.span.length }),
      image: o.image,
      normalized: formatReference(o.reference),
      ...(suspect && { suspect: true }),
      ...(!suspect && extra?.get(formatReference(o.reference))),
    })}\n`);
  }
  const table = [
    ['DOC', 'KIND', 'NAMESPACE', 'NAME', 'PATH', 'IMAGE'],
    ...rows.map(({ row: o, suspect }) => [String(o.doc), o.kind, o.namespace, o.name, o.path, suspect ? `${o.image} ${SUSPECT_MARK}` : o.image]),
  ];
  // A loop, not Math.max(...column): a spread of a large stream's rows overflows the stack.
  const widths = table[0]!.map(() => 0);
  for (const row of table) row.forEach((cell, col) => (widths[col] = Math.max(widths[col]!, cell.length)));
  return table.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ') + '\n');
}
