import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { parseReference } from '../src/reference/reference.js';
import { findCredentials, OCI_MANIFEST, RegistryAuthError, RegistryClient, RegistryError } from '../src/registry/index.js';
import { endpointFor } from '../src/registry/endpoints.js';
import { credentialsAllowed } from '../src/registry/tokens.js';
import { inspectRaw } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';

type Registries = Record<'basic' | 'token', TestRegistry> & { stop(): Promise<void> };
const enc = new TextEncoder();
const image = (text: string) => ({
  manifestMediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: enc.encode('{"architecture":"amd64","os":"linux"}') },
  layers: [{ mediaType: 'application/vnd.reimage.test.v1+json', data: enc.encode(text) }],
});

describe('registry credentials and auth challenges', () => {
  let regs: Registries;
  let home: string;
  let n = 0;
  const savedEnv = { ...process.env };
  /** A fresh scratch dir per test, with DOCKER_CONFIG pointing into it. */
  let scratch: string;
  const dockerConfig = (config: object) => writeFile(path.join(scratch, 'docker', 'config.json'), JSON.stringify(config));
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  /** Pushing needs the push scope, which the token server grants only to a known user. */
  const push = (reg: TestRegistry, client = new RegistryClient()) => client.pushImage(parseReference(`${reg.host}/auth/test:${++n}`), image(`push ${n}`));

  /** A fake docker-credential-<name> on PATH: answers for `host`, records what it was asked. */
  async function credentialHelper(name: string, host: string, username: string, secret: string) {
    const script = `#!/bin/sh
read -r server
echo "$server" >> "${scratch}/helper-${name}.log"
if [ "$server" = "${host}" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" '${username}' '${secret}'
else
  echo "credentials not found in native keychain"; exit 1
fi
`;
    const file = path.join(scratch, 'bin', `docker-credential-${name}`);
    await writeFile(file, script);
    await chmod(file, 0o755);
  }
  const helperLog = async (name: string) => (await readFile(path.join(scratch, `helper-${name}.log`), 'utf8')).trim().split('\n');

  before(async () => {
    regs = await startRegistries('basic', 'token');
    regs.token.tokenServer!.requests.length = 0;
    home = await mkdtemp(path.join(tmpdir(), 'reimage-auth-'));
  });
  after(async () => {
    await regs?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(home, 't-'));
    await mkdir(path.join(scratch, 'docker'));
    await mkdir(path.join(scratch, 'bin'));
    process.env = { ...savedEnv, DOCKER_CONFIG: path.join(scratch, 'docker'), PATH: `${path.join(scratch, 'bin')}:${savedEnv.PATH}` };
    delete process.env.REGISTRY_AUTH_FILE;
    delete process.env.XDG_RUNTIME_DIR;
  });
  afterEach(() => {
    process.env = savedEnv;
  });

  it('uses base64 "auth" entries with Basic auth', async () => {
    await dockerConfig({ auths: { [regs.basic.host]: { auth: b64('testuser:testpass') } } });
    const digest = await push(regs.basic);
    assert.equal(JSON.parse(await inspectRaw(`${regs.basic.host}/auth/test@${digest}`, regs.basic)).mediaType, OCI_MANIFEST);
  });

  it('uses username/password entries under an https:// key for a token registry', async () => {
    await dockerConfig({ auths: { [`https://${regs.token.host}/v2/`]: { username: 'testuser', password: 'testpass' } } });
    const tokens = regs.token.tokenServer!.requests;
    const before = tokens.length;
    await push(regs.token);
    assert.deepEqual(tokens.slice(before).map((r) => [r.method, r.user]), [['GET', 'testuser']]);
  });

  it('trades an identity token for an access token with an OAuth2 POST', async () => {
    await dockerConfig({ auths: { [regs.token.host]: { identitytoken: 'refresh-me' } } });
    const server = regs.token.tokenServer!;
    const before = server.requests.length;
    await assert.rejects(push(regs.token), (err: unknown) => err instanceof RegistryAuthError && /wrong credentials for 127\.0\.0\.1:\d+: token server http:\/\/127\.0\.0\.1:\d+ refused the credentials from .*config\.json \(auths\) \(HTTP 401 to a request for repository:auth\/test:pull,push\)$/.test(err.message));
    server.refreshTokens['refresh-me'] = 'testuser';
    await push(regs.token);
    assert.deepEqual(server.requests.slice(before).map((r) => [r.method, r.grantType, r.user]), [['POST', 'refresh_token', undefined], ['POST', 'refresh_token', 'testuser']]);
  });

  it('sends an OAuth2 password grant to a token service that refuses the GET', async () => {
    const server = regs.token.tokenServer!;
    let digest = '';
    server.acceptsGet = false;
    try {
      await dockerConfig({ auths: { [regs.token.host]: { auth: b64('testuser:testpass') } } });
      const before = server.requests.length;
      digest = await push(regs.token);
      assert.deepEqual(server.requests.slice(before).map((r) => [r.method, r.grantType, r.user]), [['GET', undefined, undefined], ['POST', 'password', 'testuser']]);

      await dockerConfig({ auths: { [regs.token.host]: { auth: b64('testuser:wrong') } } });
      await assert.rejects(push(regs.token), (err: unknown) => err instanceof RegistryAuthError
        && /^wrong credentials for 127\.0\.0\.1:\d+: token server http:\/\/127\.0\.0\.1:\d+ refused the credentials from .*config\.json \(auths\) \(HTTP 401 to a request for repository:auth\/test:pull,push\)$/.test(err.message));
    } finally {
      server.acceptsGet = true;
    }
    // skopeo itself needs the GET.
    assert.equal(JSON.parse(await inspectRaw(`${regs.token.host}/auth/test@${digest}`, regs.token)).mediaType, OCI_MANIFEST);
  });

  it('asks credHelpers first, passing the registry host, and understands "<token>" identity tokens', async () => {
    await credentialHelper('fake', regs.token.host, 'testuser', 'testpass');
    await dockerConfig({ credHelpers: { [regs.token.host]: 'fake' }, auths: { [regs.token.host]: { auth: b64('testuser:wrong') } } });
    await push(regs.token);
    assert.deepEqual(await helperLog('fake'), [regs.token.host]);

    await credentialHelper('tok', regs.token.host, '<token>', 'an-identity-token');
    await dockerConfig({ credHelpers: { [regs.token.host]: 'tok' } });
    const server = regs.token.tokenServer!;
    const before = server.requests.length;
    server.refreshTokens['an-identity-token'] = 'testuser';
    await push(regs.token);
    assert.deepEqual(server.requests.slice(before).map((r) => [r.method, r.grantType, r.user]), [['POST', 'refresh_token', 'testuser']]);
  });

  it('falls back from a credsStore that has nothing to the auths entries', async () => {
    await credentialHelper('store', 'some-other-registry.example', 'x', 'y');
    await dockerConfig({ credsStore: 'store', auths: { [regs.basic.host]: { auth: b64('testuser:testpass') } } });
    await push(regs.basic);
    assert.deepEqual(await helperLog('store'), [regs.basic.host]);
  });

  it('uses a credsStore that has the credentials', async () => {
    await credentialHelper('store', regs.basic.host, 'testuser', 'testpass');
    await dockerConfig({ credsStore: 'store' });
    await push(regs.basic);
  });

  it('says clearly when a configured helper is missing', async () => {
    await dockerConfig({ credHelpers: { [regs.basic.host]: 'absent' } });
    await assert.rejects(push(regs.basic), /credential helper docker-credential-absent \(configured in .*config\.json\) is not on PATH/);
  });

  it('reads $REGISTRY_AUTH_FILE, then $XDG_RUNTIME_DIR/containers/auth.json, after the docker config', async () => {
    const authFile = path.join(scratch, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [regs.basic.host]: { auth: b64('testuser:testpass') } } }));
    process.env.REGISTRY_AUTH_FILE = authFile;
    await push(regs.basic);

    delete process.env.REGISTRY_AUTH_FILE;
    process.env.XDG_RUNTIME_DIR = scratch;
    await mkdir(path.join(scratch, 'containers'));
    await writeFile(path.join(scratch, 'containers', 'auth.json'), JSON.stringify({ auths: { [regs.basic.host]: { auth: b64('testuser:testpass') } } }));
    await push(regs.basic);

    // The docker config comes first: its wrong password wins over the right one in auth.json.
    await dockerConfig({ auths: { [regs.basic.host]: { auth: b64('testuser:wrong') } } });
    await assert.rejects(push(regs.basic), RegistryAuthError);
  });

  it('reports a wrong password clearly, naming the registry, the request and where the credentials came from', async () => {
    await dockerConfig({ auths: { [regs.basic.host]: { auth: b64('testuser:secret-wrong') } } });
    const basic = await push(regs.basic).catch((e: unknown) => e as Error);
    assert.ok(basic instanceof RegistryAuthError);
    assert.match(basic.message, new RegExp(`^wrong credentials for ${regs.basic.host}: the registry rejected the username and password from .*config\\.json \\(auths\\) \\(HTTP 401 to check blob sha256:[0-9a-f]{64} in ${regs.basic.host}/auth/test\\)$`));

    await dockerConfig({ auths: { [regs.token.host]: { auth: b64('testuser:secret-wrong') } } });
    const token = await push(regs.token).catch((e: unknown) => e as Error);
    assert.ok(token instanceof RegistryAuthError);
    assert.match(token.message, /^wrong credentials for 127\.0\.0\.1:\d+: token server http:\/\/127\.0\.0\.1:\d+ refused the credentials from .*\(HTTP 401 to a request for repository:auth\/test:pull,push\)$/);
    assert.doesNotMatch(`${basic.message} ${token.message}`, /secret-wrong/);
  });

  it('says no credentials were found when a registry demands them, with the registry\'s own error', async () => {
    const basic = await push(regs.basic).catch((e: unknown) => e);
    assert.ok(basic instanceof RegistryError);
    assert.match(basic.message, new RegExp(`^check blob sha256:[0-9a-f]{64} in ${regs.basic.host}/auth/test: HTTP 401: no credentials found for ${regs.basic.host} \\(looked in docker config\\.json, \\$REGISTRY_AUTH_FILE, \\$XDG_RUNTIME_DIR/containers/auth\\.json\\)$`));
    // The token registry lets anyone pull, so the push is what fails, with the registry's errors[].
    const token = await push(regs.token).catch((e: unknown) => e);
    assert.ok(token instanceof RegistryError);
    assert.equal(token.status, 401);
    assert.match(token.message, new RegExp(`^start a blob upload to ${regs.token.host}/auth/test: HTTP 401: UNAUTHORIZED: authentication required: no credentials found for ${regs.token.host} `));
  });

  it('asks the token server once per scope set, and accepts "access_token"-only and "token"-only responses', async () => {
    await dockerConfig({ auths: { [regs.token.host]: { auth: b64('testuser:testpass') } } });
    const server = regs.token.tokenServer!;
    try {
      for (const fields of ['access_token', 'token'] as const) {
        server.responseFields = fields;
        const client = new RegistryClient();
        const before = server.requests.length;
        const ref = parseReference(`${regs.token.host}/auth/cached-${fields}:v1`);
        await client.pushImage(ref, image(`cached ${fields}`));
        for (let i = 0; i < 3; i++) assert.ok(await client.resolve(ref));
        assert.deepEqual(server.requests.slice(before).map((r) => r.scopes), [[`repository:auth/cached-${fields}:pull,push`], [`repository:auth/cached-${fields}:pull`]]);
      }
    } finally {
      server.responseFields = 'both';
    }
  });

  it('learns the challenge from one unauthenticated request while concurrent first requests wait, and asks once per scope set', async () => {
    const seen: string[] = [];
    // Held requests surely overlap: every resolve starts while the first request is in flight.
    const proxy = await startProxy(regs.token.host, { holdMs: 100, fault: (req) => void seen.push(`${req.method} ${req.url} ${req.headers.authorization?.split(' ')[0] ?? 'anonymous'}`) });
    try {
      const auth = b64('testuser:testpass');
      await dockerConfig({ auths: { [regs.token.host]: { auth }, [proxy.host]: { auth } } });
      const repos = ['auth/first-a', 'auth/first-b'];
      for (const repo of repos) await new RegistryClient().pushImage(parseReference(`${regs.token.host}/${repo}:v1`), image(repo));
      const server = regs.token.tokenServer!;
      const before = server.requests.length;
      const client = new RegistryClient();
      const refs = [...repos, ...repos, ...repos].map((repo) => parseReference(`${proxy.host}/${repo}:v1`));
      assert.ok((await Promise.all(refs.map((ref) => client.resolve(ref)))).every(Boolean));

      // One unauthenticated HEAD (its 401 carries the challenge, so no /v2/ ping), then each HEAD with a token.
      const unauthenticated = seen.filter((line) => line.endsWith(' anonymous'));
      assert.equal(unauthenticated.length, 1);
      assert.match(unauthenticated[0]!, /^HEAD \/v2\/auth\/first-[ab]\/manifests\/v1 anonymous$/);
      assert.deepEqual([...seen].sort(), [...refs.map((ref) => `HEAD /v2/${ref.path}/manifests/v1 Bearer`), unauthenticated[0]].sort());
      assert.deepEqual(proxy.log.map((e) => e.status).sort(), [200, 200, 200, 200, 200, 200, 401]);
      assert.deepEqual(server.requests.slice(before).map((r) => r.scopes.join(' ')).sort(), repos.map((repo) => `repository:${repo}:pull`));
    } finally {
      await proxy.stop();
    }
  });

  describe('a token refused in the middle of a streamed upload', () => {
    const unauthorized = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}';
    let proxy: CountingProxy | undefined;
    afterEach(async () => {
      await proxy?.stop();
      proxy = undefined;
    });
    /** A source image in the basic registry, and a proxy in front of the token registry with credentials for both. */
    async function setUp(refuse: (nthBlobPut: number) => boolean) {
      const challenge = (await fetch(`${regs.token.url}/v2/`)).headers.get('www-authenticate')!;
      let blobPuts = 0;
      proxy = await startProxy(regs.token.host, {
        fault: (req) => req.method === 'PUT' && req.url?.includes('/blobs/uploads/') && refuse(++blobPuts)
          ? { status: 401, headers: { 'www-authenticate': challenge, 'content-type': 'application/json' }, body: unauthorized }
          : undefined,
      });
      const auth = b64('testuser:testpass');
      await dockerConfig({ auths: { [regs.basic.host]: { auth }, [proxy.host]: { auth } } });
      const src = parseReference(`${regs.basic.host}/auth/stream:${++n}`);
      const digest = await new RegistryClient().pushImage(src, image(`stream ${n}`));
      return { src: { ...src, tag: undefined, digest }, dst: parseReference(`${proxy.host}/auth/streamed:${n}`), proxy };
    }

    it('gets a fresh token and starts the upload over', async () => {
      const { src, dst, proxy } = await setUp((nth) => nth === 1);
      const server = regs.token.tokenServer!;
      const before = server.requests.length;
      const result = await new RegistryClient().copy(src, dst);
      assert.equal(result.blobsCopied, 2);
      const pushScope = `repository:auth/streamed:pull,push`;
      assert.deepEqual(server.requests.slice(before).map((r) => [r.scopes.join(' '), r.user]), [[pushScope, 'testuser'], [pushScope, 'testuser']]);
      assert.deepEqual(proxy.log.filter((e) => e.injected).map((e) => `${e.method} ${e.status}`), ['PUT 401']);
      assert.equal(await inspectRaw(`${regs.token.host}/auth/streamed:${n}`, regs.token), await inspectRaw(`${regs.basic.host}/auth/stream@${src.digest}`, regs.basic));
    });

    it('starts over only once, then names the upload and the registry\'s error', async () => {
      const { src, dst, proxy } = await setUp(() => true);
      const err = await new RegistryClient().copy(src, dst).catch((e: unknown) => e);
      assert.ok(err instanceof RegistryError, String(err));
      assert.match(err.message, new RegExp(`^upload blob (sha256:[0-9a-f]{64}) to ${proxy.host}/auth/streamed: HTTP 401: UNAUTHORIZED: authentication required: the registry refused the token during a streamed upload$`));
      const failed = /upload blob (sha256:[0-9a-f]{64})/.exec(err.message)![1]!;
      assert.equal(proxy.log.filter((e) => e.injected && e.path.includes(encodeURIComponent(failed))).length, 2);
    });
  });

  it('never logs credentials', async () => {
    await dockerConfig({ auths: { [regs.basic.host]: { auth: b64('testuser:testpass') } } });
    const lines: string[] = [];
    await push(regs.basic, new RegistryClient({ logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }) }));
    assert.ok(lines.length > 0);
    assert.doesNotMatch(lines.join(''), /testpass|dGVzdHVzZXI6dGVzdHBhc3M/);
  });

  it('maps Docker Hub hosts to its API host and its config key', async () => {
    assert.equal(endpointFor('docker.io', {}).baseUrl, 'https://registry-1.docker.io');
    assert.equal(endpointFor('docker.io', { mirrors: { 'docker.io': '127.0.0.1:5000' } }).baseUrl, 'http://127.0.0.1:5000');
    assert.equal(endpointFor('registry.example.com:5000', { insecureRegistries: ['registry.example.com'] }).baseUrl, 'http://registry.example.com:5000');
    assert.equal(endpointFor('[::1]:5000', {}).baseUrl, 'http://[::1]:5000');
    await credentialHelper('hub', 'https://index.docker.io/v1/', 'hubuser', 'hubpass');
    await dockerConfig({ credHelpers: { 'https://index.docker.io/v1/': 'hub' } });
    assert.deepEqual(await findCredentials('registry-1.docker.io'), { kind: 'basic', username: 'hubuser', password: 'hubpass', source: 'credential helper docker-credential-hub' });
    assert.deepEqual(await helperLog('hub'), ['https://index.docker.io/v1/']);
    await dockerConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('u:p') } } });
    assert.equal((await findCredentials('docker.io'))?.kind, 'basic');
  });

  it('sends credentials over plain HTTP only to a realm on the registry host itself', () => {
    const ep = endpointFor('registry.example.com', { insecureRegistries: ['registry.example.com'] });
    assert.equal(credentialsAllowed(new URL('http://registry.example.com:8080/token'), ep), true);
    assert.equal(credentialsAllowed(new URL('http://evil.example.net/token'), ep), false);
    assert.equal(credentialsAllowed(new URL('https://auth.example.net/token'), ep), true);
  });
});
