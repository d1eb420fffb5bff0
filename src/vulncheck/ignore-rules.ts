/**
 * -vulncheck-ignore-cve-list: vulnerability IDs to let through, globally or only for images whose
 * digest reference matches a regexp.
 *
 * The flag parser has already split every occurrence at commas, so the list arrives flat. The
 * rule: an entry containing '=' starts a per-image group (the regexp is the text before the first
 * '=', the first ID the text after it); the plain IDs that follow belong to that group until the
 * next REGEXP= entry. IDs before any REGEXP= entry are global. Consequences, documented in README:
 * give global IDs before any per-image group, and a regexp cannot contain ',' or '=' (image
 * references contain neither, so only {n,m} repetition is lost). Flags such as (?i) work.
 */
import { UsageError } from '../errors.js';
import { goRegExp } from '../regexp.js';

const FLAG = '-vulncheck-ignore-cve-list';

/** Characters that never occur in a vulnerability ID but do in regexps: a sign of a split regexp. */
const NOT_IN_IDS = /[\s{}()[\]*?^$|\\]/;

interface IgnoreGroup {
  /** Undefined for the global group. */
  images?: RegExp;
  imagesSource?: string;
  ids: string[];
}

export class IgnoreRules {
  private constructor(private readonly groups: readonly IgnoreGroup[]) {}

  static none(): IgnoreRules {
    return new IgnoreRules([]);
  }

  /** Parses the flat entry list; throws UsageError naming the flag and the bad entry. */
  static parse(entries: readonly string[]): IgnoreRules {
    const global: IgnoreGroup = { ids: [] };
    const groups: IgnoreGroup[] = [global];
    let current = global;
    const addId = (id: string, entry: string) => {
      if (id === '') return;
      if (NOT_IN_IDS.test(id)) {
        throw new UsageError(
          `flag ${FLAG}: ${JSON.stringify(entry)} is not a vulnerability ID; the list is split at commas, ` +
            'so a REGEXP before "=" cannot contain a comma',
        );
      }
      if (!current.ids.includes(id)) current.ids.push(id);
    };
    for (const entry of entries.flatMap((e) => e.split(',')).map((e) => e.trim())) {
      const eq = entry.indexOf('=');
      if (eq < 0) {
        addId(entry, entry);
        continue;
      }
      const source = entry.slice(0, eq);
      current = { images: goRegExp(source, `flag ${FLAG} (in ${JSON.stringify(entry)})`), imagesSource: source, ids: [] };
      groups.push(current);
      addId(entry.slice(eq + 1).trim(), entry);
    }
    return new IgnoreRules(groups.filter((g) => g.ids.length > 0));
  }

  /** Every entry, labelled as the user wrote it: "CVE-1" or "REGEXP=CVE-1". */
  labels(): string[] {
    return this.groups.flatMap((g) => g.ids.map((id) => label(g, id)));
  }

  /** Labels of the entries that ignore `id` for `image` (empty when none does). */
  matching(image: string, id: string): string[] {
    return this.groups
      .filter((g) => g.ids.includes(id) && (!g.images || g.images.test(image)))
      .map((g) => label(g, id));
  }
}

function label(group: IgnoreGroup, id: string): string {
  return group.images ? `${group.imagesSource}=${id}` : id;
}
