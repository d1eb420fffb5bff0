/**
 * The recorder: every original → final mapping of a run, checked to be one to one. One image may
 * not end up under two names, and two different images (different digests) may not be written to
 * the same name, since the second copy would overwrite the first. The same image spelled in
 * several ways (`nginx`, `docker.io/library/nginx:latest`) is one source; the same content reached
 * by tag and by digest may share a target.
 */
import { ReimageError } from '../errors.js';
import { formatReference, parseReference } from '../reference/reference.js';

export interface Recording {
  /** The image as written in the manifests (the mappings key). */
  readonly written: string;
  /** The final reference in tag form, as it is written to the manifests. */
  readonly target: string;
  /** The image digest. */
  readonly digest: string;
}

export class MappingConflictError extends ReimageError {
  constructor(
    message: string,
    /** The two images (as written) in conflict. */
    readonly images: readonly [string, string],
  ) {
    super(message);
  }
}

const normalise = (ref: string) => formatReference(parseReference(ref));

export class Recorder {
  private readonly bySource = new Map<string, Recording>();
  private readonly byTarget = new Map<string, Recording>();
  private readonly byWritten = new Map<string, Recording>();

  /** Records one mapping; throws MappingConflictError, naming both images, if it breaks 1:1. */
  record(r: Recording): void {
    const source = normalise(r.written);
    const target = normalise(r.target);
    const sameSource = this.bySource.get(source);
    if (sameSource && (normalise(sameSource.target) !== target || sameSource.digest !== r.digest)) {
      const what = normalise(sameSource.target) !== target ? `both ${sameSource.target} and ${r.target}` : `${r.target} with both digests ${sameSource.digest} and ${r.digest}`;
      throw new MappingConflictError(
        `one image, two mappings: ${sameSource.written} and ${r.written} are the same image (${source}) but would map to ${what}`,
        [sameSource.written, r.written],
      );
    }
    const sameTarget = this.byTarget.get(target);
    if (sameTarget && sameTarget.digest !== r.digest) {
      throw new MappingConflictError(
        `two images, one target: ${sameTarget.written} (${sameTarget.digest}) and ${r.written} (${r.digest}) would both be written to ${r.target}`,
        [sameTarget.written, r.written],
      );
    }
    if (!sameSource) this.bySource.set(source, r);
    if (!sameTarget) this.byTarget.set(target, r);
    this.byWritten.set(r.written, r);
  }

  /** Original (as written) → final, for the mappings file and image. */
  mappings(): Map<string, { tag: string; digest: string }> {
    return new Map([...this.byWritten].map(([written, r]) => [written, { tag: r.target, digest: r.digest }]));
  }
}
