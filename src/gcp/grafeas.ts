/**
 * The few Grafeas v1 (Container Analysis) REST calls reimage needs: list occurrences by filter
 * (following nextPageToken) and create one. Shapes follow grafeas.swagger.json.
 */
import type { RetryPolicy } from '../retry.js';
import type { AccessTokenSource } from './access-token.js';
import { DEFAULT_GRAFEAS_ENDPOINT } from './endpoints.js';
import { apiUrl, gcpJson } from './rest.js';

/** The subset of v1Occurrence fields reimage reads or writes; everything else passes through. */
export interface Occurrence {
  name?: string;
  resourceUri?: string;
  noteName?: string;
  kind?: string;
  discovery?: { analysisStatus?: string; analysisStatusError?: { message?: string }; [k: string]: unknown };
  vulnerability?: {
    cvssScore?: number;
    severity?: string;
    shortDescription?: string;
    packageIssue?: Array<{ affectedPackage?: string; fixedVersion?: { name?: string; fullName?: string }; [k: string]: unknown }>;
    [k: string]: unknown;
  };
  attestation?: { serializedPayload?: string; signatures?: Array<{ publicKeyId?: string; signature?: string }> };
  [k: string]: unknown;
}

export class GrafeasClient {
  constructor(
    private readonly tokens: AccessTokenSource,
    private readonly endpoint: string = DEFAULT_GRAFEAS_ENDPOINT,
    private readonly retry?: RetryPolicy,
  ) {}

  /** All occurrences under parent ("projects/p") matching filter, across every page. */
  async listOccurrences(parent: string, filter: string, signal?: AbortSignal): Promise<Occurrence[]> {
    const out: Occurrence[] = [];
    let pageToken = '';
    do {
      const query: Record<string, string> = { filter, pageSize: '1000' };
      if (pageToken) query.pageToken = pageToken;
      const page = await gcpJson<{ occurrences?: Occurrence[]; nextPageToken?: string }>(
        this.tokens,
        apiUrl(this.endpoint, `v1/${parent}/occurrences`, query),
        { operation: `list occurrences (${filter})`, ...(signal && { signal }), ...(this.retry && { retry: this.retry }) },
      );
      for (const occurrence of page.occurrences ?? []) out.push(occurrence); // a page may be huge: no spread
      pageToken = page.nextPageToken ?? '';
    } while (pageToken);
    return out;
  }

  async createOccurrence(parent: string, occurrence: Occurrence, signal?: AbortSignal): Promise<Occurrence> {
    return gcpJson<Occurrence>(this.tokens, apiUrl(this.endpoint, `v1/${parent}/occurrences`), {
      operation: `create ${occurrence.kind ?? ''} occurrence for ${occurrence.resourceUri ?? '?'}`,
      method: 'POST',
      body: occurrence,
      ...(signal && { signal }),
      ...(this.retry && { retry: this.retry }),
    });
  }
}
