/** Files written atomically, so a reader never sees half of one. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ReimageError } from './errors.js';

/**
 * Writes `text` to `path` through a temporary file in the same directory and a rename, with mode
 * 0600 (mappings and reports name private registries). An existing file is replaced whole, or not at all.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new ReimageError(`could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
