/**
 * google-auth-library (application default credentials) is an optional dependency that is never
 * bundled: the npm package installs it beside reimage, and the single executable looks for it in the
 * node_modules folders beside and above it (for /usr/local/bin/reimage: /usr/local/bin/node_modules,
 * /usr/local/node_modules, …) and on NODE_PATH. When it is absent, the error says what to install.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReimageError } from '../errors.js';
import { isSingleExecutable } from '../single-executable.js';

type GoogleAuthModule = typeof import('google-auth-library');

/** require(), not import(): bin/reimage runs the bundle as a vm.Script, where import() needs an experimental flag. */
const require = createRequire(import.meta.url);

export async function loadGoogleAuth(): Promise<GoogleAuthModule> {
  try {
    if (isSingleExecutable()) {
      // The executable's own require() only knows Node's built-in modules.
      return createRequire(join(dirname(process.execPath), 'reimage.cjs'))('google-auth-library') as GoogleAuthModule;
    }
    return require('google-auth-library') as GoogleAuthModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    const install = isSingleExecutable()
      ? `npm install --prefix ${dirname(dirname(process.execPath))} google-auth-library@10`
      : `npm install google-auth-library@10 where reimage is installed (it is an optional dependency)`;
    throw new ReimageError(
      `Google application default credentials need google-auth-library, which is not installed: run \`${install}\`, or pass -gcp-access-token-file`,
    );
  }
}
