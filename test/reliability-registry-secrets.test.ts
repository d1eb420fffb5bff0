/**
 * Secrets never reach stderr: token services and registries that echo what they were sent, and a
 * credential helper that fails while printing its secret. Each run is the real CLI.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHostileRegistry, type HostileRegistry } from './harness/hostile-registry.js';
import { podYaml } from './harness/manifests.js';
import { redact } from '../src/redact.js';
import { runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const PASSWORD = 'pa55-w0rd-very-secret';
const TOKEN = 'tok-3f9a1c77e0d24b5f';
const HELPER_SECRET = 'helper-secret-8d1e2a';

const dir = await tempDir('reimage-secrets-');

describe('secrets in error messages', () => {
  let reg: HostileRegistry;
  let mode: 'echo-token-request' | 'echo-registry-request' = 'echo-token-request';

  before(async () => {
    await mkdir(path.join(dir, 'bin'));
    reg = await startHostileRegistry((req, res) => {
      const echo = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n');
      if (req.url?.startsWith('/token')) {
        if (mode === 'echo-token-request') res.writeHead(400, { 'content-type': 'text/plain' }).end(`Bad request. You sent:\nGET ${req.url}\n${echo}`);
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
        return true;
      }
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${reg.host}/token",service="hostile"`, 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return true;
      }
      res.writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'DENIED', message: `request ${req.url} with ${req.headers.authorization} denied` }] }));
      return true;
    });
  });
  after(() => reg.stop());

  const config = (content: object) => writeFile(path.join(dir, 'config.json'), JSON.stringify(content));
  const env = () => ({ DOCKER_CONFIG: dir, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, REGISTRY_AUTH_FILE: '', XDG_RUNTIME_DIR: '' });
  const basic = Buffer.from(`robot:${PASSWORD}`).toString('base64');

  it('a token service that echoes the Authorization header does not put it on stderr', async () => {
    mode = 'echo-token-request';
    await config({ auths: { [reg.host]: { auth: basic } } });
    const r = await runReimage(['-debug'], podYaml(`${reg.host}/app:v1`), env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /get a token .* HTTP 400: Bad request/);
    assert.match(r.stderr, /\[redacted\]/);
    assert.ok(!r.stderr.includes(basic), r.stderr);
    assert.ok(!r.stderr.includes(PASSWORD), r.stderr);
  });

  it('a registry that echoes the bearer token in its errors[] does not put it on stderr', async () => {
    mode = 'echo-registry-request';
    await config({ auths: { [reg.host]: { auth: basic } } });
    const r = await runReimage(['-debug'], podYaml(`${reg.host}/app:v1`), env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /HTTP 403: DENIED: request \/v2\/app\/manifests\/v1 with Bearer \[redacted\] denied/);
    assert.ok(!r.stderr.includes(TOKEN), r.stderr);
  });

  it('a credential helper that fails while printing its Secret does not put it on stderr', async () => {
    const helper = path.join(dir, 'bin', 'docker-credential-leaky');
    await writeFile(helper, `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"x","Username":"robot","Secret":"${HELPER_SECRET}"}'\nexit 3\n`);
    await chmod(helper, 0o755);
    await config({ credHelpers: { [reg.host]: 'leaky' } });
    const r = await runReimage([], podYaml(`${reg.host}/app:v1`), env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /credential helper docker-credential-leaky failed for .* \(exit 3\)/);
    assert.ok(!r.stderr.includes(HELPER_SECRET), r.stderr);
  });
});

describe('redact', () => {
  it('removes credential shapes and keeps our own words', () => {
    assert.equal(redact('Authorization: Basic dXNlcjpwYXNz\nHost: r.io'), 'Authorization: [redacted]\nHost: r.io');
    assert.equal(redact('{"Username":"u","Secret":"s3cr3t"}'), '{"Username":"u","Secret":[redacted]}');
    assert.equal(redact('grant_type=password&password=hunter2&client_id=reimage'), 'grant_type=password&password=[redacted]&client_id=reimage');
    assert.equal(redact('denied for eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), 'denied for [redacted]');
    for (const ours of ['its Bearer challenge has no realm', 'the token response has neither "token" nor "access_token"', 'a Basic auth challenge']) {
      assert.equal(redact(ours), ours);
    }
  });
});
