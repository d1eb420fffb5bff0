/**
 * node:crypto, loaded on first use. Loading it costs more than the rest of a `-list-images` run, so
 * modules that flag checking imports (attestation settings) take it from here instead of importing it.
 */
export const nodeCrypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
