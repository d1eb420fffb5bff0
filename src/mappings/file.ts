/** Mappings files: reading them (writing goes through writeFileAtomic). */
import { BodyTooLargeError, formatBytes, readFileCappedSync } from '../bounded-read.js';
import { ReimageError } from '../errors.js';
import { MAPPINGS_SIZE_LIMIT, type MappingEntry, parseMappings } from './format.js';

/** Reads a -static-json-mappings-file to its end (it may be a pipe), up to MAPPINGS_SIZE_LIMIT. */
export async function readMappingsFile(path: string): Promise<Map<string, MappingEntry>> {
  let text: string;
  try {
    text = readFileCappedSync(path, MAPPINGS_SIZE_LIMIT, `mappings file ${path}`);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new ReimageError(`-static-json-mappings-file ${path} is larger than the ${formatBytes(MAPPINGS_SIZE_LIMIT)} limit ` +
        '(the limit of a -static-json-mappings-img layer too; mappings take about 300 bytes an image): check that this is the right file');
    }
    throw new ReimageError(`could not read mappings file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseMappings(text, `file ${path}`);
}
