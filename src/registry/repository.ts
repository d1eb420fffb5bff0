/** A repository in a registry, and the token scopes for working on it. */
export interface Repository {
  /** Registry host as the reference names it ("docker.io"). */
  readonly registry: string;
  /** Repository path ("library/nginx"). */
  readonly path: string;
}

export function pullScope(repo: Repository): string {
  return `repository:${repo.path}:pull`;
}

export function pushScope(repo: Repository): string {
  return `repository:${repo.path}:pull,push`;
}

export function describe(repo: Repository): string {
  return `${repo.registry}/${repo.path}`;
}
