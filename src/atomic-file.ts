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
    // rm's force ignores only a missing file: where open failed (ENOTDIR…), rm fails the same way.
    await rm(temp, { force: true }).catch(() => {});
    throw new ReimageError(`could not write ${path}: ${fileErrorReason(err, dirname(path))}`, { cause: err });
  }
}

/** Why a file could not be written, in words that name the user's path, not our temporary one. */
function fileErrorReason(err: unknown, dir: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT': return `the directory ${dir} does not exist`;
    case 'ENOTDIR': return `${dir} is not a directory`;
    case 'EACCES': case 'EPERM': return `permission denied in ${dir}`;
    case 'EISDIR': return 'it is a directory';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'the file system is read-only';
    case 'EDQUOT': return 'the disk quota is exceeded';
    default: return (err as Error).message;
  }
}
