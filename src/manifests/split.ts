/**
 * Splits a YAML stream into its documents as text, without parsing them.
 *
 * A line that starts with `---` or `...` (followed by a blank or the line end) is a document
 * marker wherever it appears: YAML forbids such lines inside scalars and collections. So every
 * document can be parsed (or cheaply scanned) on its own, and the stream is re-assembled by
 * concatenating the documents' text. The same pass fills the fast scanner's table of lines.
 */
import { LineTable } from './lines.js';

export interface DocumentChunk {
  /** Position in the stream, counting from 0. */
  readonly index: number;
  /** Offset of the document's first character in the stream. */
  readonly start: number;
  /** 0-based line number of `start` in the stream. */
  readonly line: number;
  /** How many lines the document has. */
  readonly lineCount: number;
  readonly text: string;
}

export interface SplitStream {
  readonly text: string;
  readonly chunks: readonly DocumentChunk[];
  /** Every line of the stream (the fast scanner's view). */
  readonly lines: LineTable;
}

// Sticky, tested at a line's start in the whole text: slicing each line out first cost more.
const MARKER = /(?:---|\.\.\.)(?=[ \t]|\r?\n|$)/y;
const IGNORABLE = /[ \t]*(?:#.*)?\r?(?=\n|$)/y;

function matchesAt(re: RegExp, text: string, pos: number): boolean {
  re.lastIndex = pos;
  return re.test(text);
}

/**
 * Cuts before a `---` line when the current piece already has a document start or content (so
 * leading comments and directives stay with the document they precede), and after a `...` line.
 */
export function splitDocuments(text: string): SplitStream {
  const chunks: DocumentChunk[] = [];
  const lines = new LineTable(text);
  let chunkStart = 0;
  let chunkLine = 0;
  let started = false;
  let lineNo = 0;
  const cut = (at: number, atLine: number) => {
    chunks.push({ index: chunks.length, start: chunkStart, line: chunkLine, lineCount: atLine - chunkLine, text: text.slice(chunkStart, at) });
    chunkStart = at;
    chunkLine = atLine;
    started = false;
  };
  for (let pos = 0; pos < text.length; lineNo++) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? text.length : nl + 1;
    lines.add(pos, nl < 0 ? text.length : nl);
    const first = text.charCodeAt(pos);
    if ((first === 0x2d || first === 0x2e) && matchesAt(MARKER, text, pos)) {
      if (first === 0x2d) {
        if (started) cut(pos, lineNo);
        started = true;
      } else {
        cut(next, lineNo + 1);
      }
    } else if (!started && first !== 0x25 /* % directive */ && !matchesAt(IGNORABLE, text, pos)) {
      started = true;
    }
    pos = next;
  }
  if (chunkStart < text.length) cut(text.length, lineNo);
  return { text, chunks, lines };
}
