/**
 * The vulnerability gate's settings, validated from the command-line flags at start-up so that a
 * bad regexp, format or method is a usage error (exit 2) before any work is done.
 */
import { UsageError, invalidFlagValue } from '../errors.js';
import { DEFAULT_GRAFEAS_ENDPOINT } from '../gcp/endpoints.js';
import type { Logger } from '../log.js';
import { goRegExp, type GoRegexp } from '../regexp.js';
import { splitCommandLine } from './command-line.js';
import { IgnoreRules } from './ignore-rules.js';
import { ReportTemplate } from './report-template.js';

const SCANNER_FORMATS = ['trivy-json', 'grype-json'] as const;
export type ScannerFormat = (typeof SCANNER_FORMATS)[number];

export interface VulncheckConfig {
  /** 0 turns the CVSS rule off; a vulnerability fails when its score is strictly greater. */
  maxCvss: number;
  /** 0 turns the risk rule off; a vulnerability fails when its grype risk is strictly greater. */
  maxRisk: number;
  /** Score given to a vulnerability the scanner reports without any CVSS score. */
  unscoredCvss: number;
  ignore: IgnoreRules;
  /** Final images (digest references) matching this are not checked. */
  ignoreImages?: GoRegexp;
  method: 'exec' | 'grafeas';
  /** exec: argv of the scanner; the image reference is appended. */
  command: readonly string[];
  format: ScannerFormat;
  /** Per image, for a scanner run or the whole Grafeas wait. */
  timeoutMs: number;
  workers: number;
  /** Grafeas: polls after the first one before giving up. */
  maxRetries: number;
  grafeas: {
    parent: string;
    endpoint: string;
    /** Access token file; application default credentials when absent. */
    tokenFile?: string;
    /** First wait between polls (doubles each time). */
    pollInitialDelayMs: number;
  };
  /** -vulncheck-report-output: where the CLI writes the report (the verdict JSON, or the rendered template). */
  reportOutput?: string;
  /** -vulncheck-report-template: rendered into reportOutput instead of the JSON. */
  reportTemplate?: ReportTemplate;
  logger: Logger;
}

/** The flag values vulncheckConfigFromFlags reads (a subset of the CLI's parsed flags). */
export interface VulncheckFlagValues {
  'vulncheck-max-cvss': number;
  'vulncheck-max-risk': number;
  'vulncheck-ignore-cve-list': readonly string[];
  'vulncheck-ignore-images': string;
  'vulncheck-method': string;
  'trivy-command': string;
  'vulncheck-command': string;
  'vulncheck-format': string;
  'vulncheck-timeout': number;
  'vulncheck-workers': number;
  'vulncheck-max-retries': number;
  'vulncheck-unscored-cvss': number;
  'grafeas-parent': string;
  'grafeas-endpoint': string;
  'gcp-access-token-file': string;
  'vulncheck-report-output': string;
  'vulncheck-report-template': string;
}

const METHODS: Readonly<Record<string, VulncheckConfig['method']>> = { trivy: 'exec', exec: 'exec', grafeas: 'grafeas' };

export function vulncheckConfigFromFlags(values: VulncheckFlagValues, logger: Logger): VulncheckConfig {
  const maxCvss = values['vulncheck-max-cvss'];
  if (!(maxCvss >= 0)) throw invalidFlagValue('vulncheck-max-cvss', maxCvss, 'use 0 to disable, up to 10 to gate, 11 to only record');
  const maxRisk = values['vulncheck-max-risk'];
  if (!(maxRisk >= 0)) throw invalidFlagValue('vulncheck-max-risk', maxRisk, 'use 0 to disable, or a grype risk score, 0 to 100');
  const unscoredCvss = values['vulncheck-unscored-cvss'];
  if (!(unscoredCvss >= 0 && unscoredCvss <= 10)) throw invalidFlagValue('vulncheck-unscored-cvss', unscoredCvss, 'want a CVSS score, 0 to 10');
  const method = METHODS[values['vulncheck-method']];
  if (!method) throw invalidFlagValue('vulncheck-method', values['vulncheck-method'], 'use trivy, exec or grafeas');
  const format = values['vulncheck-format'];
  if (!(SCANNER_FORMATS as readonly string[]).includes(format)) {
    throw invalidFlagValue('vulncheck-format', format, `use ${SCANNER_FORMATS.join(' or ')}`);
  }
  const commandFlag = values['vulncheck-command'] ? 'vulncheck-command' : 'trivy-command';
  let command: string[];
  try {
    command = splitCommandLine(values[commandFlag]);
  } catch (err) {
    throw invalidFlagValue(commandFlag, values[commandFlag], (err as Error).message);
  }
  if (command.length === 0 && method === 'exec') throw invalidFlagValue(commandFlag, values[commandFlag], 'empty command');
  const timeoutMs = values['vulncheck-timeout'];
  if (!(timeoutMs > 0)) throw invalidFlagValue('vulncheck-timeout', `${timeoutMs / 1000}s`, 'must be greater than 0');
  const workers = values['vulncheck-workers'];
  if (!(workers >= 1)) throw invalidFlagValue('vulncheck-workers', workers, 'must be at least 1');
  const maxRetries = values['vulncheck-max-retries'];
  if (!(maxRetries >= 0)) throw invalidFlagValue('vulncheck-max-retries', maxRetries, 'must not be negative');
  const parent = values['grafeas-parent'];
  if (method === 'grafeas' && vulncheckEnabled({ maxCvss, maxRisk }) && !parent) {
    throw new UsageError('flag -grafeas-parent is required with -vulncheck-method grafeas (e.g. projects/my-project)');
  }
  if (maxRisk > 0 && (method === 'grafeas' || format === 'trivy-json')) {
    // Only grype reports carry a risk score: say so rather than let the limit pass everything quietly.
    const source = method === 'grafeas' ? '-vulncheck-method grafeas' : '-vulncheck-format trivy-json';
    logger.warn(`-vulncheck-max-risk has no effect with ${source}: only grype-json reports have risk scores`);
  }
  const ignoreImages = values['vulncheck-ignore-images'];
  const tokenFile = values['gcp-access-token-file'];
  const reportOutput = values['vulncheck-report-output'];
  const templateFile = values['vulncheck-report-template'];
  if (templateFile && !reportOutput) {
    throw new UsageError('flag -vulncheck-report-template needs -vulncheck-report-output, the file to write the report to');
  }
  return {
    maxCvss,
    maxRisk,
    unscoredCvss,
    ignore: IgnoreRules.parse(values['vulncheck-ignore-cve-list']),
    ...(ignoreImages && { ignoreImages: goRegExp(ignoreImages, 'flag -vulncheck-ignore-images') }),
    method,
    command,
    format: format as ScannerFormat,
    timeoutMs,
    workers,
    maxRetries,
    grafeas: {
      parent,
      endpoint: values['grafeas-endpoint'] || DEFAULT_GRAFEAS_ENDPOINT,
      ...(tokenFile && { tokenFile }),
      pollInitialDelayMs: 500,
    },
    ...(reportOutput && { reportOutput }),
    ...(templateFile && { reportTemplate: ReportTemplate.load(templateFile) }),
    logger,
  };
}

/** As the Go tool: a limit of 0 is off, and with both off nothing is scanned. */
export function vulncheckEnabled(config: Pick<VulncheckConfig, 'maxCvss' | 'maxRisk'>): boolean {
  return config.maxCvss > 0 || config.maxRisk > 0;
}
