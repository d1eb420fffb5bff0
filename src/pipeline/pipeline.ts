/**
 * The main job, per distinct image: (ignore, done by the finder) → static mapping or rename →
 * record → ensure. Every distinct normalised reference is resolved once, however often it is
 * written; distinct images run concurrently (the registry client bounds requests per registry).
 *
 * Phases, so that nothing is written to a registry unless the whole plan holds:
 *   1. plan: resolve each source (or look it up in the static mappings), name its target, record
 *      it, and check that every site can be rewritten to its final reference. Missing images, bad
 *      renames and 1:1 conflicts are collected and reported together.
 *   2. check targets: look each target up (the look-up a warm run needs anyway) and decide
 *      whether it is present, to be copied, or refused (clobber, not found, moved).
 *   3. copy: only when every target passed, copy by digest those that are missing (or differ and
 *      -clobber is set).
 */
import { AggregateReimageError, ReimageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { describePlace } from '../manifests/index.js';
import { formatReference, type ImageReference, parseParts, parseReference, withDigest } from '../reference/reference.js';
import { ClobberRefusedError, type CopyOptions } from '../registry/index.js';
import { mapBounded } from '../map-bounded.js';
import { Recorder } from './recorder.js';
import { renameFields, type RenameTemplate } from './template.js';
import type { GoRegexp } from '../regexp.js';

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
  /** Throws when the image cannot be rewritten to `final` where it is written (a block scalar). */
  checkRewrite?(final: string): void;
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
   * The target now holds the image (copied by this run, or already there), or with -dryrun or
   * -no-copy would hold it: then the hook must write nothing. `mediaType` is the source
   * manifest's, when the source was looked up (not with static mappings).
   */
  afterEnsure?(source: ImageReference, target: ImageReference, mediaType: string | undefined): Promise<void>;
}

export interface PipelineOptions {
  /** Renaming, on when -rename-remote-path and -rename-template are both set. */
  readonly rename?: { readonly template: RenameTemplate; readonly remotePath: string; readonly ignore: GoRegexp };
  /** Static mappings replace renaming. */
  readonly staticMappings?: StaticLookup;
  /** How final references are written: as named, `repo@digest`, or `repo:tag@digest`. */
  readonly outputForm: OutputForm;
  readonly clobber: boolean;
  readonly noCopy: boolean;
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly hooks?: ImageHooks;
  /**
   * Runs once every image is planned and every target checked, before anything is copied, with
   * the run's mappings (as written → final tag and digest). If it throws, nothing is copied and
   * the run fails with its error.
   */
  readonly beforeCopy?: (mappings: PipelineResult['mappings']) => Promise<void>;
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

/**
 * Distinct images worked on at once. The registry client bounds requests per host; this bounds the
 * state of images waiting for them (all started at once, a run grew ~50 kB per image), while
 * keeping enough in flight to fill the per-host limits (measured on 250 images: 8 and unbounded
 * were slower than 16 and 32).
 */
const IMAGES_IN_FLIGHT = 32;

/** A promise's outcome as a value, so that one failure does not stop a bounded map. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then((value) => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason }));
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
    const g = groups.get(key);
    if (g) {
      g.spellings.add(site.image);
      g.sites.push(site);
    } else {
      // A literal holds one element exactly; an array grown by push reserves 17 (a mirror run has one site per image).
      groups.set(key, { reference: site.reference, spellings: new Set([site.image]), sites: [site] });
    }
  }
  return [...groups.values()].map((g) => ({ reference: g.reference, spellings: [...g.spellings], sites: g.sites }));
}

/** The sites of `group` that write `written`: the group's own array when it has no other spelling. */
function sitesWriting(group: Group, written: string): readonly ImageSite[] {
  return group.spellings.length === 1 ? group.sites : group.sites.filter((site) => site.image === written);
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
    const planned = await mapBounded(groups, IMAGES_IN_FLIGHT, (g) => settle(this.plan(g).finally(tick)));
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
        errors.push(imageFailure(plan.written, sitesWriting(group, plan.written), err));
      }
    }
    const finals = new Map(plans.map(({ plan }) => [plan.written, outputReference(plan.target, plan.digest, this.options.outputForm)]));
    for (const { group, plan } of plans) {
      const final = finals.get(plan.written)!;
      if (final === plan.written) continue;
      for (const site of group.sites) {
        if (site.image !== plan.written) continue;
        try {
          site.checkRewrite?.(final);
        } catch (err) {
          errors.push(imageFailure(plan.written, [site], err));
        }
      }
    }
    if (errors.length > 0) throw new AggregateReimageError(`${errors.length} of ${total} images failed`, errors);

    // Phase 2: look up every distinct target and decide, before anything is copied.
    const targets = new Map<string, { plan: Plan; sites: readonly ImageSite[] }>();
    for (const { group, plan } of plans) {
      const key = formatReference(parseReference(plan.target));
      const t = targets.get(key);
      if (t) t.sites = t.sites.concat(sitesWriting(group, plan.written)); // no push(...sites): sites may be 100k+
      else targets.set(key, { plan, sites: sitesWriting(group, plan.written) });
    }
    const checked = await mapBounded([...targets.values()], IMAGES_IN_FLIGHT, (t) => settle(this.checkTarget(t.plan)));
    const decisions: { plan: Plan; sites: readonly ImageSite[]; decision: Decision }[] = [];
    [...targets.values()].forEach((t, i) => {
      const result = checked[i] as PromiseSettledResult<Decision>;
      if (result.status === 'rejected') errors.push(imageFailure(t.plan.written, t.sites, result.reason));
      else decisions.push({ ...t, decision: result.value });
    });
    if (errors.length > 0) throw new AggregateReimageError(`${errors.length} of ${targets.size} images failed`, errors);
    const mappings = recorder.mappings();
    await this.options.beforeCopy?.(mappings);

    // Phase 3: copy what is missing.
    const ensuredTick = progress('copying', decisions.length);
    const ensured = await mapBounded(decisions, IMAGES_IN_FLIGHT, ({ plan, decision }) => settle(this.ensure(plan, decision).finally(ensuredTick)));
    const counts = { alreadyPresent: 0, copied: 0, notCopied: 0, bytesMoved: 0 };
    decisions.forEach((t, i) => {
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

    return {
      finals,
      mappings,
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
        this.lookAhead(entry.tag);
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
      this.lookAhead(target); // a rendered name that is no reference fails here, in the plan
      return { written, source, target, digest, ...(found.mediaType && { mediaType: found.mediaType }) };
    });
  }

  /**
   * Starts the target's lookup now (a read), so the targets' HEADs overlap the other images'
   * source HEADs instead of waiting for the whole plan; ensure() gets the answer from ResolveOnce.
   * A failure is reported by ensure(), if it ever runs.
   */
  private lookAhead(target: string): void {
    if (this.registry instanceof ResolveOnce) this.registry.resolve(parseReference(target)).catch(() => {});
  }

  /** Looks the target up and decides what ensure() will do; throws when the run must not go on. */
  private async checkTarget(plan: Plan): Promise<Decision> {
    const targetRef = parseReference(plan.target);
    const target = formatReference(targetRef);
    const current = await this.registry.resolve(targetRef);
    if (current?.digest === plan.digest) return { kind: 'present' };
    if (formatReference(plan.source) === target) {
      // Not renamed: there is nothing to copy from, so the image must simply be there.
      if (!current) throw new ImageNotFoundError(`image not found: ${target} does not exist`);
      throw new TargetDiffersError(`${target} now points at ${current.digest}, not the recorded ${plan.digest}`);
    }
    if (current && !this.options.clobber) throw new ClobberRefusedError(target, current.digest, plan.digest);
    return { kind: 'copy', current };
  }

  /** Makes sure the target holds the image, then runs the afterEnsure hook. */
  private async ensure(plan: Plan, decision: Decision): Promise<Outcome> {
    const outcome = await this.ensureImage(plan, decision);
    const afterEnsure = this.options.hooks?.afterEnsure;
    if (afterEnsure) await afterEnsure(withDigest(plan.source, plan.digest), parseReference(plan.target), plan.mediaType);
    return outcome;
  }

  /** Makes sure the target holds the image, as checkTarget decided. */
  private async ensureImage(plan: Plan, decision: Decision): Promise<Outcome> {
    if (decision.kind === 'present') return { kind: 'present' };
    const { logger, dryRun, noCopy, clobber } = this.options;
    const { current } = decision;
    const targetRef = parseReference(plan.target);
    const sourceRef = withDigest(plan.source, plan.digest);
    const target = formatReference(targetRef);
    const source = formatReference(sourceRef);
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
type Decision = { kind: 'present' } | { kind: 'copy'; current: { readonly digest: string } | undefined };
