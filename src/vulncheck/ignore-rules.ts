/**
 * -vulncheck-ignore-cve-list: vulnerability IDs to let through, globally or only for images whose
 * digest reference matches a regexp.
 *
 * Each occurrence of the flag is read on its own, as the Go tool's flag.Value does: without '=' it
 * is a comma-separated list of global IDs; with '=' the text before the first '=' is a regexp (it
 * may contain commas, as in {1,3}) and the text after it the IDs ignored for matching images.
 */
import { UsageError } from '../errors.js';
import { matchesImage } from '../reference/reference.js';
import { goRegExp } from '../regexp.js';

const FLAG = '-vulncheck-ignore-cve-list';

/** Characters that never occur in a vulnerability ID: a sign of a mistyped entry. */
const NOT_IN_IDS = /[\s{}()[\]*?^$|\\=]/;

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

  /** Parses the flag's occurrences; throws UsageError naming the flag and the bad entry. */
  static parse(occurrences: readonly string[]): IgnoreRules {
    const global: IgnoreGroup = { ids: [] };
    const groups: IgnoreGroup[] = [global];
    for (const occurrence of occurrences) {
      const eq = occurrence.indexOf('=');
      let group = global;
      if (eq >= 0) {
        const source = occurrence.slice(0, eq);
        group = { images: goRegExp(source, `flag ${FLAG} (in ${JSON.stringify(occurrence)})`), imagesSource: source, ids: [] };
        groups.push(group);
      }
      for (const id of occurrence.slice(eq + 1).split(',').map((e) => e.trim())) {
        if (id === '') continue;
        if (NOT_IN_IDS.test(id)) {
          throw new UsageError(`flag ${FLAG}: ${JSON.stringify(id)} in ${JSON.stringify(occurrence)} is not a vulnerability ID`);
        }
        if (!group.ids.includes(id)) group.ids.push(id);
      }
    }
    return new IgnoreRules(groups.filter((g) => g.ids.length > 0));
  }

  /** Every vulnerability ID named, global or per image (Go's AllCVEs, before sorting). */
  ids(): string[] {
    return this.groups.flatMap((g) => g.ids);
  }

  /** Every entry, labelled as the user wrote it: "CVE-1" or "REGEXP=CVE-1". */
  labels(): string[] {
    return this.groups.flatMap((g) => g.ids.map((id) => label(g, id)));
  }

  /**
   * Labels of the entries that ignore `id` for `image` (empty when none does). A regexp is tried on
   * both Docker Hub spellings (docker.io/… and the Go tool's index.docker.io/…).
   */
  matching(image: string, id: string): string[] {
    return this.groups
      .filter((g) => g.ids.includes(id) && (!g.images || matchesImage(g.images, image)))
      .map((g) => label(g, id));
  }
}

function label(group: IgnoreGroup, id: string): string {
  return group.images ? `${group.imagesSource}=${id}` : id;
}
