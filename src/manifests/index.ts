/** The manifest engine: read a stream losslessly, find its images, rewrite them, print it. */
export { parseManifestStream, ManifestStream, ManifestDocument } from './stream.js';
export { InvalidYamlError } from './compose.js';
export type { KubeObject } from './objects.js';
export { findImages, setImage, ImageOccurrence, ImageFieldError, type FindOptions } from './find.js';
export {
  loadImageRules, parseImageRules, RulesConfigError, BUILTIN_RULE_CONFIGS,
  type ImageRule, type ImageRules, type InputMode, type RuleConfig,
} from './rules.js';
