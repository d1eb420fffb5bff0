/** The vulnerability gate's public API, for the CLI. */
export { vulncheckConfigFromFlags, vulncheckEnabled, type VulncheckConfig } from './config.js';
export { checkImages } from './gate.js';
export { finalDigestRef, uncopiedSources } from './scan-location.js';
export { formatVulncheckReport, writeVulncheckReport, mappingVulncheckResult } from './report.js';
export type { ImageVerdict, VulncheckVerdict } from './types.js';
export { ReportTemplate, reportTemplateData } from './report-template.js';
