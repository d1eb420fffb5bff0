/**
 * Runs the gate in a process of its own, for tests that signal it:
 * node --import tsx run-gate.ts IMAGE [reimage flags…]. Prints the verdict as JSON.
 */
import { checkImages } from '../../src/vulncheck/index.js';
import { configFromArgs } from './harness.js';

const [image, ...args] = process.argv.slice(2);
const verdict = await checkImages([image!], configFromArgs(args));
process.stdout.write(`${JSON.stringify(verdict)}\n`);
