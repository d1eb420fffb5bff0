/**
 * Binary Authorization attestations: what the CLI calls.
 */
export { type AttestSummary, attestImages } from './attest.js';
export { type AttestConfig, type AttestFlagValues, attestConfigFromFlags } from './config.js';
