/**
 * The lines of a stream, as the fast scanner reads them: where each starts and ends, its
 * indentation, and whether it is blank or only a comment. The splitter fills the table in the
 * same pass that finds the document markers, so each line is found once.
 */

const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const CR = 0x0d;

export class LineTable {
  count = 0;
  starts: Int32Array;
  /** Line ends, before any "\r\n" or "\n". */
  ends: Int32Array;
  /** Leading spaces. */
  indents: Int32Array;
  /** 1 when a line is blank or only a comment. */
  ignorable: Uint8Array;
  /** 1 when a tab indents content, or the line holds a lone CR (a line break to YAML): the scanner leaves these to the full parser. */
  unsure: Uint8Array;
  private nextCr: number;

  constructor(private readonly text: string) {
    this.nextCr = text.indexOf('\r');
    // Manifest lines average well over 16 characters, so this rarely grows (growing copied megabytes).
    const capacity = Math.max(1024, text.length >> 4);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.indents = new Int32Array(capacity);
    this.ignorable = new Uint8Array(capacity);
    this.unsure = new Uint8Array(capacity);
  }

  /** Adds the line that starts at pos and ends at nl (its "\n", or the end of the text). */
  add(pos: number, nl: number): void {
    const t = this.text;
    let end = nl;
    if (end > pos && t.charCodeAt(end - 1) === CR) end--;
    let p = pos;
    while (p < end && t.charCodeAt(p) === SPACE) p++;
    let c = p < end ? t.charCodeAt(p) : -1;
    let unsure = 0;
    if (c === TAB) {
      // Tabs may separate a comment, never indent content.
      let q = p;
      while (q < end && (t.charCodeAt(q) === TAB || t.charCodeAt(q) === SPACE)) q++;
      if (q < end && t.charCodeAt(q) !== HASH) unsure = 1;
      c = -1;
    }
    if (this.nextCr >= 0 && this.nextCr < end) unsure = 1;
    if (this.nextCr >= 0 && this.nextCr < nl) this.nextCr = t.indexOf('\r', nl);
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = pos;
    this.ends[this.count] = end;
    this.indents[this.count] = p - pos;
    this.ignorable[this.count] = c === -1 || c === HASH ? 1 : 0;
    this.unsure[this.count] = unsure;
    this.count++;
  }

  private grow(): void {
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
    this.indents = doubled(this.indents);
    this.ignorable = doubled(this.ignorable);
    this.unsure = doubled(this.unsure);
  }
}

function doubled<T extends Int32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
