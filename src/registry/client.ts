/**
 * RegistryClient: the registry operations the pipeline needs, over one shared session (tokens,
 * credentials and concurrency limits are per client, so one run asks for each token once).
 */
import { silentLogger, type Logger } from '../log.js';
import type { ImageReference } from '../reference/reference.js';
import type { RetryPolicy } from '../retry.js';
import { copyImage, type CopyOptions, type CopyResult } from './copy.js';
import { resolveManifest, type ResolvedManifest, type ResolveOptions } from './manifests.js';
import { ArtifactStore } from './referrers.js';
import { pullScope } from './repository.js';
import { RegistrySession } from './session.js';
import { pullSingleLayerImage, pushSmallImage, type PulledLayer, type SmallImage } from './small-image.js';
import { DEFAULT_TIMEOUTS, type RequestTimeouts } from './timeouts.js';
import { DEFAULT_RETRY, Transport, type TransportStats } from './transport.js';

export interface RegistryClientOptions {
  /** host[:port] reached over plain HTTP (loopback always is). */
  insecureRegistries?: string[];
  /** API requests for a registry go to another host: {'docker.io': 'mirror.example.com'}. */
  mirrors?: Record<string, string>;
  /** Concurrent requests per registry host; default 4. */
  concurrency?: number;
  logger?: Logger;
  /** Retry policy for network errors, 429 and 5xx; default 5 tries from 250 ms, capped at 30 s. */
  retry?: RetryPolicy;
  /** Per-request time limits; default DEFAULT_TIMEOUTS (connect 10 s, response and idle 20 s). */
  timeouts?: Partial<RequestTimeouts>;
}

const DEFAULT_REGISTRY_CONCURRENCY = 4;

export class RegistryClient {
  private readonly session: RegistrySession;
  private readonly logger: Logger;
  /** Signatures, attestations, SBOMs and other referrers: reading, listing and copying them. */
  readonly artifacts: ArtifactStore;

  constructor(opts: RegistryClientOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    const transport = new Transport(Math.max(1, opts.concurrency ?? DEFAULT_REGISTRY_CONCURRENCY), opts.retry ?? DEFAULT_RETRY, { ...DEFAULT_TIMEOUTS, ...opts.timeouts }, this.logger);
    this.session = new RegistrySession(transport, { insecureRegistries: opts.insecureRegistries ?? [], mirrors: opts.mirrors ?? {} }, this.logger);
    this.artifacts = new ArtifactStore(this.session, this.logger);
  }

  /** Requests sent (by HTTP method) and blob bytes uploaded, over the client's lifetime. */
  get stats(): TransportStats {
    return this.session.transport.stats;
  }

  /** The digest, media type and size of a tag or digest; undefined when the registry lacks it. */
  resolve(ref: ImageReference, opts?: ResolveOptions): Promise<ResolvedManifest | undefined> {
    const repo = { registry: ref.domain, path: ref.path };
    return resolveManifest(this.session, repo, ref.digest ?? ref.tag ?? 'latest', [pullScope(repo)], opts);
  }

  /** Copies `src` (pinned by digest) to `dst`'s tag; see CopyResult. */
  copy(src: ImageReference, dst: ImageReference, opts?: CopyOptions): Promise<CopyResult> {
    return copyImage(this.session, this.logger, src, dst, opts);
  }

  /** Pushes a small in-memory image; returns its manifest digest. */
  pushImage(ref: ImageReference, image: SmallImage): Promise<string> {
    return pushSmallImage(this.session, ref, image);
  }

  /** Pulls an image with exactly one layer. */
  pullSingleLayerImage(ref: ImageReference): Promise<PulledLayer> {
    return pullSingleLayerImage(this.session, ref);
  }
}
