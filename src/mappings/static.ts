/** Static mappings: final images taken from an earlier run's mappings instead of renaming. */
import { ReimageError } from '../errors.js';
import { formatReference, parseReference } from '../reference/reference.js';
import type { MappingEntry, Mappings } from './format.js';

class MissingMappingError extends ReimageError {}

const normalise = (ref: string) => formatReference(parseReference(ref));

export class StaticMappings {
  /** Keys by their normalised reference, so `nginx` finds an entry written as `nginx:latest`. */
  private readonly byNormalised = new Map<string, string[]>();

  constructor(
    readonly entries: Mappings,
    /** Where they came from ("file m.json", "image r.io/m:1"), for messages. */
    readonly source: string,
  ) {
    for (const key of entries.keys()) {
      const n = normalise(key);
      this.byNormalised.set(n, [...(this.byNormalised.get(n) ?? []), key]);
    }
  }

  /**
   * The entry for an image as written: the exact key, else the key that names the same image.
   * An image the mappings do not name is an error (the point of static mappings is that nothing
   * new slips through).
   */
  lookup(written: string): { key: string; entry: MappingEntry } {
    const exact = this.entries.get(written);
    if (exact) return { key: written, entry: exact };
    const [key, ...others] = this.byNormalised.get(normalise(written)) ?? [];
    if (key === undefined) throw new MissingMappingError(`${written} is not in the static mappings (${this.source})`);
    const entry = this.entries.get(key) as MappingEntry;
    const differing = others.find((k) => this.entries.get(k)?.tag !== entry.tag);
    if (differing !== undefined) {
      throw new MissingMappingError(
        `${written} is not in the static mappings (${this.source}) as written, and the entries ${JSON.stringify(key)} and ${JSON.stringify(differing)} for the same image disagree`,
      );
    }
    return { key, entry };
  }
}
