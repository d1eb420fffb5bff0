/** The manifest engine: read a stream losslessly, find its images, rewrite them, print it. */
export { parseManifestStream, ManifestStream } from './stream.js';
export { InvalidYamlError } from './compose.js';
export { describePlace, findImages, ImageOccurrence, ImageFieldError } from './find.js';
export { loadImageRules, parseImageRules, RulesConfigError, type InputMode } from './rules.js';
