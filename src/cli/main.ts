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
import { findImages, loadImageRules, parseManifestStream } from '../manifests/index.js';
import { vulncheckConfigFromFlags } from '../vulncheck/config.js';
import { formatUsage, parseFlags } from './flags.js';
import { readStdin, writeStderr, writeStdout } from './io.js';
import { formatImageList } from './list-images.js';
import { FLAGS } from './options.js';
import { MAX_TIMER_MS, pipelineSettingsFromFlags } from './pipeline-settings.js';
import { armRunDeadline } from './run-deadline.js';
import { settingsFromFlags } from './settings.js';
import { signatureSettingsFromFlags } from './signature-settings.js';
import { versionString } from './version.js';

function runTimeout(ms: number): number {
  if (ms < 0 || ms > MAX_TIMER_MS) throw invalidFlagValue('timeout', ms, 'must be between 0 (no limit) and 596h');
  return ms;
}

export async function main(argv: readonly string[]): Promise<number> {
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
    const occurrences = input ? findImages(input, rules, { ...(settings.ignore && { ignore: settings.ignore }) }) : [];
    if (input) log.debug(`found ${occurrences.length} image occurrences`);

    if (settings.listImages) {
      // -show-referrers asks the registries (loaded only then, as for the gate), within the deadline.
      const extra = parsed.values['show-referrers'] ? await (await import('./show-referrers.js')).showReferrers(occurrences, job, log) : undefined;
      deadline.disarm();
      await writeStdout(formatImageList(occurrences, settings.listFormat, extra));
      return 0;
    }

    // Loaded on this path only (see gate.ts).
    const { runGate } = await import('./gate.js');
    await runGate({ job, vulncheck, attest, signatures, ignore: settings.ignore, log, input, occurrences, beforeOutput: deadline.disarm });
    return 0;
  } catch (err) {
    writeStderr(`reimage: ${redact(errorMessage(err))}\n`);
    return err instanceof ReimageError ? err.exitCode : 1;
  }
}
