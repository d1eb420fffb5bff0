/** Mappings files: reading them (writing goes through writeFileAtomic). */
import { readFile } from 'node:fs/promises';
import { ReimageError } from '../errors.js';
import { type MappingEntry, parseMappings } from './format.js';

export async function readMappingsFile(path: string): Promise<Map<string, MappingEntry>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReimageError(`could not read mappings file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseMappings(text, `file ${path}`);
}
