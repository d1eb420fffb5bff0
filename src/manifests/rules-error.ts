import { UsageError } from '../errors.js';

/** A rules file (-rules-config) that cannot be used: exit 2, before any input is read. */
export class RulesConfigError extends UsageError {}
