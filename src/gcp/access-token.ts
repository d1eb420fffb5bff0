/**
 * Access tokens for Google Cloud REST calls (Container Analysis, Binary Authorization, KMS).
 * Either a token file (CI that already has one, and tests) or application default credentials
 * from google-auth-library, which is loaded only when a Google feature actually runs.
 */
import { readFile } from 'node:fs/promises';
import { ReimageError, errorMessage } from '../errors.js';
import { registerSecret } from '../redact.js';
import { loadGoogleAuth } from './google-auth.js';

export interface AccessTokenSource {
  /** A bearer token valid now. Implementations cache and refresh as needed. */
  token(): Promise<string>;
}

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Reads the token from a file on every call, so a sidecar that rotates the file is honoured. */
function tokenFileSource(path: string): AccessTokenSource {
  return {
    async token() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new ReimageError(`cannot read GCP access token file ${path}: ${errorMessage(err)}`);
      }
      const token = text.trim();
      if (token === '') throw new ReimageError(`GCP access token file ${path} is empty`);
      registerSecret(token);
      return token;
    },
  };
}

/** Application default credentials, via google-auth-library (loaded lazily). */
function applicationDefaultSource(): AccessTokenSource {
  let client: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return {
    async token() {
      try {
        client ??= loadGoogleAuth().then(({ GoogleAuth }) =>
          new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).getClient().then((c) => ({
            getAccessToken: async () => (await c.getAccessToken()).token,
          })),
        );
        const token = await (await client).getAccessToken();
        if (!token) throw new Error('no token returned');
        registerSecret(token);
        return token;
      } catch (err) {
        client = undefined;
        if (err instanceof ReimageError) throw err;
        throw new ReimageError(
          `cannot get Google application default credentials (${errorMessage(err)}); ` +
            'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or pass -gcp-access-token-file',
        );
      }
    },
  };
}

export function accessTokenSource(tokenFile: string | undefined): AccessTokenSource {
  return tokenFile ? tokenFileSource(tokenFile) : applicationDefaultSource();
}
