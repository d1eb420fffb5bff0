/**
 * The reimage command. Exit codes: 0 success, 1 failure, 2 bad usage.
 * Nothing is written to stdout unless the whole run succeeded.
 */
// Flag checks import only config modules: registry, pipeline, vulncheck and attestation code is
// loaded by gate.ts, which -list-images never needs.
import { attestConfigFromFlags } from '../attest/config.js';
import { ReimageError, errorMessage, invalidFlagValue } from '../errors.js';
import { createLogger } from '../log.js';
import { redact } from '../redact.js';
import type { ImageReference } from '../reference/reference.js';
import { loadImageRules, parseManifestStream, searchStream } from '../manifests/index.js';
import { vulncheckConfigFromFlags } from '../vulncheck/config.js';
import { formatUsage, parseFlags } from './flags.js';
import { readStdin, writeStderr, writeStdout } from './io.js';
import { formatImageList } from './list-images.js';
import { FLAGS } from './options.js';
import { pipelineSettingsFromFlags } from './pipeline-settings.js';
import { armRunDeadline } from './run-deadline.js';
import { settingsFromFlags } from './settings.js';
import { describeShard, inShard, type Shard } from './shard.js';
import { signatureSettingsFromFlags } from './signature-settings.js';
import { formatSuspects } from './suspects.js';
import { versionString } from './version.js';

/** -timeout, which parseFlags has clamped to Node's longest timer already. */
function runTimeout(ms: number): number {
  if (ms < 0) throw invalidFlagValue('timeout', `${ms / 1000}s`, 'must be 0 (no limit) or more');
  return ms;
}

export async function main(argv: readonly string[]): Promise<number> {
  // A failing shard says which one it is: its report is one of COUNT in a Job's logs.
  let shard: Shard | undefined;
  try {
    const parsed = parseFlags(FLAGS, argv);
    if (parsed.help) {
      writeStderr(`Usage of reimage:\n${formatUsage(FLAGS)}`);
      return 0;
    }
    if (parsed.values.V) {
      await writeStdout(`${versionString()}\n`);
      return 0;
    }
    const settings = settingsFromFlags(parsed);
    shard = settings.shard;
    const deadline = armRunDeadline(runTimeout(parsed.values.timeout), (message) => {
      writeStderr(`reimage: ${message}\n`);
      process.exit(1);
    });
    const log = createLogger({ level: settings.debug ? 'debug' : 'info', write: writeStderr });
    // Start-up checks (the rename template compiles here), before any input is read.
    const job = pipelineSettingsFromFlags(parsed, log);
    const vulncheck = vulncheckConfigFromFlags(parsed.values, log);
    const attest = attestConfigFromFlags(parsed.values, log);
    const signatures = await signatureSettingsFromFlags(parsed);
    const rules = await loadImageRules(settings.rulesConfig, settings.input);

    const input = job.mappingsOnly ? undefined : parseManifestStream(await readStdin());
    if (input) log.debug(`read ${input.documents.length} documents (${input.text.length} characters)`);
    const found = input
      ? searchStream(input, rules, { ...(settings.ignore && { ignore: settings.ignore }), suspects: settings.suspects !== 'ignore' })
      : { images: [], suspects: [] };
    const occurrences = found.images;
    if (input) log.debug(`found ${occurrences.length} image occurrences and ${found.suspects.length} suspects`);
    if (found.suspects.length > 0 && settings.suspects === 'fail') {
      throw new ReimageError(`-suspects=fail: ${formatSuspects(found.suspects)}`);
    }

    if (settings.listImages) {
      const inThisShard = (o: { readonly reference: ImageReference }) => !shard || inShard(o.reference, shard);
      const listed = occurrences.filter(inThisShard);
      // -show-referrers asks the registries (loaded only then, as for the gate) about this shard's images, within the deadline.
      const extra = parsed.values['show-referrers'] ? await (await import('./show-referrers.js')).showReferrers(listed, job, log) : undefined;
      deadline.disarm();
      await writeStdout(formatImageList(listed, found.suspects.filter(inThisShard), settings.listFormat, extra));
      return 0;
    }
    if (found.suspects.length > 0) log.warn(formatSuspects(found.suspects));

    // Loaded on this path only (see gate.ts).
    const { runGate } = await import('./gate.js');
    await runGate({ job, vulncheck, attest, signatures, ignore: settings.ignore, shard, log, input, occurrences, beforeOutput: deadline.disarm });
    return 0;
  } catch (err) {
    writeStderr(`reimage: ${shard ? `${describeShard(shard)}: ` : ''}${redact(errorMessage(err))}\n`);
    return err instanceof ReimageError ? err.exitCode : 1;
  }
}
