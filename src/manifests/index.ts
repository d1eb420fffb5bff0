/** The manifest engine: read a stream losslessly, find its images, rewrite them, print it. */
export { parseManifestStream, ManifestStream } from './stream.js';
export { InvalidYamlError } from './compose.js';
export { describeObject, describePlace, findImages, searchStream, ImageOccurrence, ImageFieldError } from './find.js';
export type { Suspect } from './suspects.js';
export { loadImageRules, parseImageRules, RulesConfigError, type InputMode } from './rules.js';
