/**
 * Which repository of a target registry holds (or is receiving) each blob, over one session: a
 * later copy of the same blob into another repository of that registry mounts it from there
 * instead of streaming it from the source again, and a copy that finds it still uploading waits
 * for that upload rather than sending the bytes twice.
 */
export interface BlobHome {
  /** The repository path that holds the blob once `ready` is true. */
  readonly path: string;
  /** True when the blob arrived there; false when that copy failed (then nobody holds it). */
  readonly ready: Promise<boolean>;
}

/** A home whose blob arrived: a later claim needs only the path. */
const ARRIVED = Promise.resolve(true);

export class BlobHomes {
  /**
   * Per registry host, per digest: the repository path once the blob arrived (kept compact, a
   * mirror run holds one per blob to the end), or the home whose copy is still running.
   */
  private readonly homes = new Map<string, Map<string, string | BlobHome>>();

  /**
   * The home of `digest` in registry `host`, or undefined when it has none yet: then the caller
   * becomes its home at `path` and must call `settle` when its copy ends.
   */
  claim(host: string, digest: string, path: string): { home: BlobHome } | { settle: (arrived: boolean) => void } {
    let inHost = this.homes.get(host);
    if (!inHost) this.homes.set(host, (inHost = new Map()));
    const home = inHost.get(digest);
    if (typeof home === 'string') return { home: { path: home, ready: ARRIVED } };
    if (home) return { home };
    let settle!: (arrived: boolean) => void;
    const ready = new Promise<boolean>((resolve) => (settle = resolve));
    inHost.set(digest, { path, ready });
    return {
      settle: (arrived) => {
        // A failed copy leaves no home: the next copy of the blob tries on its own.
        if (arrived) inHost.set(digest, path);
        else inHost.delete(digest);
        settle(arrived);
      },
    };
  }
}
