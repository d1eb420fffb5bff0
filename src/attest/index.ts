/**
 * Binary Authorization attestations: what the CLI calls.
 */
export { attestImages } from './attest.js';
export { type AttestConfig, type AttestFlagValues, attestConfigFromFlags } from './config.js';
