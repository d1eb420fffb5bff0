/**
 * Gets the raw findings for one image from the configured source: a scanner command whose JSON
 * report is parsed, or Grafeas occurrences.
 */
import { accessTokenSource } from '../gcp/access-token.js';
import { GrafeasClient } from '../gcp/grafeas.js';
import type { ScannerFormat, VulncheckConfig } from './config.js';
import { grafeasFindings } from './grafeas-scan.js';
import { parseGrypeReport } from './grype-report.js';
import { ScannerError, runScanner } from './scanner-process.js';
import { parseTrivyReport } from './trivy-report.js';
import type { Finding } from './types.js';

export type FindingSource = (image: string, signal?: AbortSignal) => Promise<Finding[]>;

const PARSERS: Readonly<Record<ScannerFormat, (doc: unknown) => Finding[]>> = {
  'trivy-json': parseTrivyReport,
  'grype-json': parseGrypeReport,
};

export function findingSource(config: VulncheckConfig): FindingSource {
  if (config.method === 'grafeas') {
    const { parent, endpoint, tokenFile, pollInitialDelayMs } = config.grafeas;
    const client = new GrafeasClient(accessTokenSource(tokenFile), endpoint);
    return (image, signal) =>
      grafeasFindings(client, image, {
        parent, timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, initialDelayMs: pollInitialDelayMs,
        logger: config.logger, ...(signal && { signal }),
      });
  }
  const parse = PARSERS[config.format];
  return async (image, signal) => {
    const command = [...config.command, image];
    const { stdout, stderr } = await runScanner(command, config.timeoutMs, signal);
    const failure = (message: string) => new ScannerError({ message, command, exitCode: 0, stderr });
    let doc: unknown;
    try {
      doc = JSON.parse(stdout);
    } catch {
      const start = stdout.trim().slice(0, 120);
      throw failure(`scanner output is not valid JSON${start ? `: ${JSON.stringify(start)}` : ' (it is empty)'}`);
    }
    try {
      return parse(doc);
    } catch (err) {
      throw failure(`scanner ${(err as Error).message}`);
    }
  };
}
