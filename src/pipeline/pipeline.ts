/**
 * The main job, per distinct image: (ignore, done by the finder) → static mapping or rename →
 * record → ensure. Every distinct normalised reference is resolved once, however often it is
 * written; distinct images run concurrently (the registry client bounds requests per registry).
 *
 * Two phases, so that nothing is written to a registry unless the whole plan holds:
 *   1. plan: resolve each source (or look it up in the static mappings), name its target, record
 *      it. Missing images, bad renames and 1:1 conflicts are collected and reported together.
 *   2. ensure: make each target exist, copying by digest when it is missing (or differs and
 *      -clobber is set).
 */
import { AggregateReimageError, ReimageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { describePlace } from '../manifests/index.js';
import { formatReference, type ImageReference, parseParts, parseReference, withDigest } from '../reference/reference.js';
import { ClobberRefusedError, type CopyOptions } from '../registry/index.js';
import { Recorder } from './recorder.js';
import { renameFields, type RenameTemplate } from './template.js';

/** One place an image is written (the manifest finder's ImageOccurrence satisfies this). */
export interface ImageSite {
  /** The image exactly as written. */
  readonly image: string;
  /** The image parsed and normalised. */
  readonly reference: ImageReference;
  /** Where it is, for error messages; absent for images taken from static mappings. */
  readonly doc?: number;
  readonly objectName?: string;
  /** The chart template Helm named for the document (`# Source:` comment or postrender-filename annotation). */
  readonly source?: string;
  readonly path?: string;
}

export interface Resolved {
  readonly digest: string;
  readonly mediaType?: string;
}

/** What the pipeline needs from a registry client (RegistryClient has it). */
export interface RegistryAccess {
  /**
   * The digest (and media type) a reference points at now, or undefined when it does not exist.
   * With `confirm` the digest is computed from the manifest's bytes, not taken from a HEAD's header.
   */
  resolve(ref: ImageReference, opts?: { readonly confirm?: boolean }): Promise<Resolved | undefined>;
  /**
   * Copies `source` (a digest reference) to `target` (a tag reference). `knownTarget` is what a
   * resolve of the target just answered, so the copy does not ask again.
   */
  copy(source: ImageReference, target: ImageReference, options: CopyOptions): Promise<{ readonly outcome: 'present' | 'copied'; readonly bytesMoved: number }>;
}

/**
 * Resolves every distinct reference once per run, however many steps ask (static-mapping
 * verification, planning and ensuring share the answers).
 */
export class ResolveOnce implements RegistryAccess {
  private readonly resolved = new Map<string, { answer: Promise<Resolved | undefined>; confirmed: boolean }>();

  constructor(private readonly registry: RegistryAccess) {}

  /** A confirmed answer serves every later question; an unconfirmed one only unconfirmed ones. */
  resolve(ref: ImageReference, opts: { readonly confirm?: boolean } = {}): Promise<Resolved | undefined> {
    // A reference with a digest is looked up by the digest alone: that is what gets pulled.
    const byDigest = ref.digest ? withDigest(ref, ref.digest) : ref;
    const key = formatReference(byDigest);
    const known = this.resolved.get(key);
    if (known && (known.confirmed || !opts.confirm)) return known.answer;
    const answer = this.registry.resolve(byDigest, opts);
    this.resolved.set(key, { answer, confirmed: opts.confirm === true });
    return answer;
  }

  copy(source: ImageReference, target: ImageReference, options: CopyOptions) {
    return this.registry.copy(source, target, options);
  }
}

/** A static mapping's answer for an image as written. */
interface StaticLookup {
  lookup(written: string): { readonly entry: { readonly tag: string; readonly digest: string } };
}

export type OutputForm = 'tag' | 'digest' | 'tag-and-digest';

/** Checks and follow-up work per image that live outside the pipeline (signatures, referrers). */
export interface ImageHooks {
  /**
   * Planning, before anything is written: may refuse the image (the error is reported with the
   * other failing images). `source` is pinned to the digest; `finals` are its final references.
   */
  checkSource?(source: ImageReference, finals: readonly string[]): Promise<void>;
  /**
   * The target now holds the image (copied by this run, or already there). `mediaType` is the
   * source manifest's, when the source was looked up (not with static mappings).
   */
  afterEnsure?(source: ImageReference, target: ImageReference, mediaType: string | undefined): Promise<void>;
}

export interface PipelineOptions {
  /** Renaming, on when -rename-remote-path and -rename-template are both set. */
  readonly rename?: { readonly template: RenameTemplate; readonly remotePath: string; readonly ignore: RegExp };
  /** Static mappings replace renaming. */
  readonly staticMappings?: StaticLookup;
  /** How final references are written: as named, `repo@digest`, or `repo:tag@digest`. */
  readonly outputForm: OutputForm;
  readonly clobber: boolean;
  readonly noCopy: boolean;
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly hooks?: ImageHooks;
  /** Called as each distinct image is planned, then as each target is ensured; the CLI shows it on a TTY. */
  readonly onProgress?: (phase: 'checking' | 'copying', done: number, total: number) => void;
}

export interface PipelineSummary {
  readonly imagesFound: number;
  readonly distinct: number;
  readonly alreadyPresent: number;
  readonly copied: number;
  /** Copies -dryrun or -no-copy left out. */
  readonly notCopied: number;
  readonly bytesMoved: number;
}

export interface PipelineResult {
  /** The final reference for each image as written. */
  readonly finals: ReadonlyMap<string, string>;
  /** Original (as written) → final, for the mappings outputs. */
  readonly mappings: ReadonlyMap<string, { readonly tag: string; readonly digest: string }>;
  readonly summary: PipelineSummary;
}

/** An image is missing from every registry it should be in. */
class ImageNotFoundError extends ReimageError {}

/** An image that is not renamed no longer has the digest recorded for it. */
class TargetDiffersError extends ReimageError {}

/** One image as written, once planned. */
interface Plan {
  readonly written: string;
  readonly source: ImageReference;
  /** The final reference in tag form, as it will be written (before the output form is applied). */
  readonly target: string;
  readonly digest: string;
  readonly mediaType?: string;
}

/** Distinct images grouped by normalised reference, each with every spelling and place. */
interface Group {
  readonly reference: ImageReference;
  readonly spellings: readonly string[];
  readonly sites: readonly ImageSite[];
}

function groupSites(sites: readonly ImageSite[]): Group[] {
  const groups = new Map<string, { reference: ImageReference; spellings: Set<string>; sites: ImageSite[] }>();
  for (const site of sites) {
    const key = formatReference(site.reference);
    const g = groups.get(key) ?? { reference: site.reference, spellings: new Set<string>(), sites: [] };
    g.spellings.add(site.image);
    g.sites.push(site);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ reference: g.reference, spellings: [...g.spellings], sites: g.sites }));
}

/** "Deployment web/api (web/templates/api.yaml, document 2) $.spec.template.spec.containers[0].image" */
function describeSite(site: ImageSite): string {
  if (site.doc === undefined) return 'static mappings';
  return `${describePlace(site.objectName ?? 'object', site.source, site.doc)} ${site.path ?? ''}`.trimEnd();
}

const MAX_SITES_LISTED = 5;

/** An error about one image, naming every place it is written. */
function imageFailure(image: string, sites: readonly ImageSite[], err: unknown): Error {
  const places = sites.slice(0, MAX_SITES_LISTED).map(describeSite);
  if (sites.length > MAX_SITES_LISTED) places.push(`and ${sites.length - MAX_SITES_LISTED} more`);
  return new ReimageError(`${image}: ${errorMessage(err)}\n  at ${places.join('\n  at ')}`, { cause: err });
}

/** The final reference written to the manifests for a planned image. */
function outputReference(target: string, digest: string, form: OutputForm): string {
  if (form === 'tag') return target;
  // The name keeps its spelling ("nginx", not docker.io/library/nginx).
  const { name } = parseParts(target);
  if (form === 'digest') return `${name}@${digest}`;
  const tag = parseReference(target).tag;
  return tag === undefined ? `${name}@${digest}` : `${name}:${tag}@${digest}`;
}

export class Pipeline {
  constructor(
    /** Pass a ResolveOnce so that each distinct reference is looked up once. */
    private readonly registry: RegistryAccess,
    private readonly options: PipelineOptions,
  ) {}

  async run(sites: readonly ImageSite[]): Promise<PipelineResult> {
    const groups = groupSites(sites);
    const total = groups.length;
    const progress = (phase: 'checking' | 'copying', of: number) => {
      let done = 0;
      return () => this.options.onProgress?.(phase, ++done, of);
    };
    const tick = progress('checking', total);

    // Phase 1: plan every distinct image.
    const planned = await Promise.allSettled(groups.map(async (g) => {
      try {
        return await this.plan(g);
      } finally {
        tick();
      }
    }));
    const errors: Error[] = [];
    const plans: { group: Group; plan: Plan }[] = [];
    planned.forEach((result, i) => {
      const group = groups[i] as Group;
      if (result.status === 'rejected') errors.push(imageFailure(group.spellings.join(', '), group.sites, result.reason));
      else for (const plan of result.value) plans.push({ group, plan });
    });

    const recorder = new Recorder();
    for (const { group, plan } of plans) {
      try {
        recorder.record(plan);
      } catch (err) {
        errors.push(imageFailure(plan.written, group.sites.filter((s) => s.image === plan.written), err));
      }
    }
    if (errors.length > 0) throw new AggregateReimageError(`${errors.length} of ${total} images failed`, errors);

    // Phase 2: ensure every target, once per distinct target.
    const targets = new Map<string, { plan: Plan; sites: ImageSite[] }>();
    for (const { group, plan } of plans) {
      const key = formatReference(parseReference(plan.target));
      const t = targets.get(key) ?? { plan, sites: [] };
      t.sites.push(...group.sites.filter((s) => s.image === plan.written));
      targets.set(key, t);
    }
    const ensuredTick = progress('copying', targets.size);
    const ensured = await Promise.allSettled([...targets.values()].map(async (t) => {
      try {
        return await this.ensure(t.plan);
      } finally {
        ensuredTick();
      }
    }));
    const counts = { alreadyPresent: 0, copied: 0, notCopied: 0, bytesMoved: 0 };
    [...targets.values()].forEach((t, i) => {
      const result = ensured[i] as PromiseSettledResult<Outcome>;
      if (result.status === 'rejected') {
        errors.push(imageFailure(t.plan.written, t.sites, result.reason));
        return;
      }
      const outcome = result.value;
      if (outcome.kind === 'present') counts.alreadyPresent++;
      else if (outcome.kind === 'copied') {
        counts.copied++;
        counts.bytesMoved += outcome.bytesMoved;
      } else counts.notCopied++;
    });
    if (errors.length > 0) throw new AggregateReimageError(`${errors.length} of ${targets.size} images failed`, errors);

    const finals = new Map(plans.map(({ plan }) => [plan.written, outputReference(plan.target, plan.digest, this.options.outputForm)]));
    return {
      finals,
      mappings: recorder.mappings(),
      summary: { imagesFound: sites.length, distinct: total, ...counts },
    };
  }

  /** Names the target of every spelling of one distinct image. */
  private async plan(group: Group): Promise<Plan[]> {
    const source = group.reference;
    const plans = await this.targets(group);
    const checkSource = this.options.hooks?.checkSource;
    if (checkSource) {
      const byDigest = new Map<string, string[]>();
      for (const p of plans) byDigest.set(p.digest, [...(byDigest.get(p.digest) ?? []), p.target]);
      for (const [digest, finals] of byDigest) await checkSource(withDigest(source, digest), finals);
    }
    return plans;
  }

  private async targets(group: Group): Promise<Plan[]> {
    const source = group.reference;
    const { staticMappings, rename } = this.options;
    if (staticMappings) {
      return group.spellings.map((written) => {
        const { entry } = staticMappings.lookup(written);
        return { written, source, target: entry.tag, digest: entry.digest };
      });
    }
    // Without a copy by digest (the image keeps its name, or nothing is copied) nothing else would check a HEAD's digest.
    const keepsName = !rename || group.spellings.some((written) => rename.ignore.test(written));
    const found = await this.registry.resolve(source, { confirm: keepsName || this.options.dryRun || this.options.noCopy });
    if (!found) throw new ImageNotFoundError(`image not found: ${formatReference(source)} does not exist`);
    const { digest } = found;
    if (source.digest !== undefined && source.digest !== digest) {
      throw new ImageNotFoundError(`registry answered ${digest} for ${formatReference(source)}`);
    }
    return group.spellings.map((written) => {
      const renamed = rename && !rename.ignore.test(written);
      const target = renamed ? rename.template.rename(renameFields(source, digest, rename.remotePath)) : written;
      return { written, source, target, digest, ...(found.mediaType && { mediaType: found.mediaType }) };
    });
  }

  /** Makes sure the target holds the image, then runs the afterEnsure hook. */
  private async ensure(plan: Plan): Promise<Outcome> {
    const outcome = await this.ensureImage(plan);
    const afterEnsure = this.options.hooks?.afterEnsure;
    if (afterEnsure && outcome.kind !== 'not-copied') await afterEnsure(withDigest(plan.source, plan.digest), parseReference(plan.target), plan.mediaType);
    return outcome;
  }

  private async ensureImage(plan: Plan): Promise<Outcome> {
    const { logger, dryRun, noCopy, clobber } = this.options;
    const targetRef = parseReference(plan.target);
    const sourceRef = withDigest(plan.source, plan.digest);
    const target = formatReference(targetRef);
    const source = formatReference(sourceRef);
    const current = await this.registry.resolve(targetRef);
    if (current?.digest === plan.digest) return { kind: 'present' };
    if (formatReference(plan.source) === target) {
      // Not renamed: there is nothing to copy from, so the image must simply be there.
      if (!current) throw new ImageNotFoundError(`image not found: ${target} does not exist`);
      throw new TargetDiffersError(`${target} now points at ${current.digest}, not the recorded ${plan.digest}`);
    }
    if (current && !clobber) throw new ClobberRefusedError(target, current.digest, plan.digest);
    const verb = current ? 'overwrite' : 'copy';
    if (noCopy) {
      logger.warn(`-no-copy: not copying ${source} to ${target}, which ${current ? `holds ${current.digest}` : 'does not exist'}`);
      return { kind: 'not-copied' };
    }
    if (dryRun) {
      logger.info(`dry run: would ${verb} ${source} to ${target}`);
      return { kind: 'not-copied' };
    }
    logger.debug(`${verb} ${source} to ${target}`);
    const result = await this.registry.copy(sourceRef, targetRef, { clobber, knownTarget: current ?? 'missing' });
    return result.outcome === 'copied' ? { kind: 'copied', bytesMoved: result.bytesMoved } : { kind: 'present' };
  }
}

type Outcome = { kind: 'present' } | { kind: 'not-copied' } | { kind: 'copied'; bytesMoved: number };
