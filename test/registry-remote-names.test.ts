/**
 * Registries under names that are not loopback to reimage (`registry.test:<port>`), as remote
 * registries are named: a child process resolves `.test` names to 127.0.0.1
 * (test/registry/loopback-dns.ts), so the real registry and token server serve them while the
 * client applies its rules for remote hosts: HTTPS unless -insecure-registry names the host, and
 * no credentials over plain HTTP to a token realm on another host.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestLayout, pushTestImage, type TestLayout } from './harness/images.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';
import { runClientInChild } from './registry/run-child.js';

const port = (reg: TestRegistry) => reg.host.replace(/^.*:/, '');

describe('registries named like remote hosts', () => {
  let anon: TestRegistry;
  let token: TestRegistry;
  let layout: TestLayout;
  let configDir: string;
  let digest: string;

  before(async () => {
    [anon, token, layout, configDir] = await Promise.all([
      startRegistry('anonymous'),
      // The registry's challenge sends clients to http://auth.test:<port>/token.
      startRegistry('token', { realmHost: 'auth.test' }),
      buildTestLayout(),
      mkdtemp(path.join(tmpdir(), 'reimage-remote-names-')),
    ]);
    digest = await pushTestImage(layout, 'oci', `${anon.host}/src/oci:v1`);
    const auth = Buffer.from(`${token.username}:${token.password}`).toString('base64');
    // The same credentials under both names the token registry is reached by.
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({
      auths: { [`registry.test:${port(token)}`]: { auth }, [`auth.test:${port(token)}`]: { auth } },
    }));
  });
  after(async () => {
    await Promise.all([anon?.stop(), token?.stop(), layout?.remove()]);
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('uses HTTPS for a registry that -insecure-registry does not name, and says how to allow plain HTTP', async () => {
    const name = `registry.test:${port(anon)}`;
    const out = await runClientInChild({ op: 'resolve', src: `${name}/src/oci:v1`, insecure: ['other.test'] }, {}, { testNames: true });
    assert.match(out.error ?? '', new RegExp(`^resolve v1 in ${name}/src/oci: cannot reach https://${name}: .*for plain HTTP use -insecure-registry\\)$`));
  });

  it('uses plain HTTP for a host named by -insecure-registry, with or without its port', async () => {
    for (const insecure of [[`registry.test:${port(anon)}`], ['other.test', 'registry.test']]) {
      const out = await runClientInChild({ op: 'resolve', src: `registry.test:${port(anon)}/src/oci:v1`, insecure }, {}, { testNames: true });
      assert.equal(out.error, undefined, `insecure ${insecure.join(',')}`);
      assert.equal(out.result?.digest, digest);
    }
  });

  /** Copies the source image into the token registry, named `hostName`; returns what the realm was asked. */
  async function copyToToken(hostName: string, repo: string) {
    const requests = token.tokenServer!.requests;
    const before = requests.length;
    const name = `${hostName}:${port(token)}`;
    const out = await runClientInChild(
      { op: 'copy', src: `${anon.host}/src/oci@${digest}`, dst: `${name}/${repo}:v1`, insecure: [hostName] },
      { DOCKER_CONFIG: configDir }, { testNames: true });
    return { name, out, asked: requests.slice(before) };
  }

  it('withholds credentials from a plain-HTTP token realm on another host, and says so', async () => {
    const { name, out, asked } = await copyToToken('registry.test', 'withheld/oci');
    assert.match(out.stderr, new RegExp(`warn: not sending credentials for ${name} to token realm http://auth\\.test:\\d+: plain HTTP on an unrelated host; asking anonymously`));
    assert.match(out.error ?? '', new RegExp(`^start a blob upload to ${name}/withheld/oci: HTTP 401: UNAUTHORIZED: `));
    assert.ok(asked.length > 0);
    assert.deepEqual(asked.filter((r) => r.authorization || r.user !== undefined), [], 'no request to the realm carried credentials');
  });

  it('sends credentials to a plain-HTTP token realm on the registry host itself', async () => {
    // The same registry, named by the realm's host: now the realm is on the registry's host.
    const { name, out, asked } = await copyToToken('auth.test', 'sent/oci');
    assert.equal(out.error, undefined);
    assert.equal(out.stderr, '');
    assert.deepEqual(asked.map((r) => [r.method, r.user]), [['GET', token.username]]);
    // skopeo cannot resolve auth.test (the realm); ask the registry through the child instead.
    const check = await runClientInChild({ op: 'resolve', src: `${name}/sent/oci:v1`, insecure: ['auth.test'] }, { DOCKER_CONFIG: configDir }, { testNames: true });
    assert.equal(check.result?.digest, digest);
  });
});
