/** The vulnerability gate's public API, for the CLI. */
export { vulncheckConfigFromFlags, SCANNER_FORMATS } from './config.js';
export type { VulncheckConfig, VulncheckFlagValues, ScannerFormat } from './config.js';
export { checkImages } from './gate.js';
export { finalDigestRef, uncopiedSources } from './scan-location.js';
export { formatVulncheckReport, writeVulncheckReport, mappingCveFields } from './report.js';
export type { AffectedPackage, ImageVerdict, ScanFailure, Vulnerability, VulncheckVerdict } from './types.js';
