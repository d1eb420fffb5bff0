/**
 * End to end: the vulnerability gate and Binary Authorization attestations through the built CLI,
 * with a real registry (docker-registry), a fake trivy printing published reports, and a local
 * fake of the Google Cloud APIs.
 */
import assert from 'node:assert/strict';
import { constants, createPublicKey, verify } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signatureAlgorithm } from '../src/attest/algorithms.js';
import { type FakeGcp, startFakeGcp } from './attest/fake-gcp.js';
import { attestorPublicKey, testKey } from './attest/keys.js';
import { addImage, buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';
import { fakeScannerOnPath, fixture, recordedArgv } from './vulncheck/harness.js';

const ATTESTOR = 'projects/p/attestors/a';
const NOTE = 'projects/p/notes/n';

const stream = (app: string, db: string) => `# Source: shop/templates/app.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: ${app}
        - name: db
          image: ${db}
`;

describe('vulnerability gate and attestations through the CLI', () => {
  let regs: Record<'src' | 'dst', TestRegistry> & { stop(): Promise<void> };
  let layout: TestLayout;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let input: string;
  let argvLog: string;
  const digests: Record<'app' | 'db', string> = { app: '', db: '' };
  /** The final images the pipeline names, by digest: what the gate scans and attests. */
  const final = (name: 'app' | 'db') => `${regs.dst.host}/imported/${regs.src.host.replace(':', '_')}/team/${name}@${digests[name]}`;

  before(async () => {
    const [src, dst, built, scratch] = await Promise.all([
      startRegistries('anonymous'),
      startRegistries('anonymous'),
      buildTestLayout(),
      mkdtemp(path.join(tmpdir(), 'reimage-e2e-gate-')),
    ]);
    regs = { src: src.anonymous, dst: dst.anonymous, stop: async () => void (await Promise.all([src.stop(), dst.stop()])) };
    [layout, dir] = [built, scratch];
    await addImage(layout, 'db', { layers: [600] });
    digests.app = await pushTestImage(layout, 'oci', `${regs.src.host}/team/app:1.0`, regs.src);
    digests.db = await pushTestImage(layout, 'docker', `${regs.src.host}/team/db:16`, regs.src, 'db');
    input = stream(`${regs.src.host}/team/app:1.0`, `${regs.src.host}/team/db:16`);
    // A fake `trivy` on PATH: app has CVE-2019-18224 (9.8) and CVE-2019-18276 (7.8); db tops out at 5.3.
    argvLog = path.join(dir, 'argv.log');
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await fakeScannerOnPath(bin, 'trivy', {
      argvLog,
      reportByImage: { '/team/app@': fixture('scanners/trivy/debian-two-cves.json'), '/team/db@': fixture('scanners/trivy/alpine-shared-ids.json') },
    });
    env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
  });

  after(async () => {
    await regs?.stop();
    await layout?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const rename = () => ['-rename-remote-path', `${regs.dst.host}/imported`];

  it('refuses a CVE above the limit before copying: exit 1, a report naming image and CVE, nothing on stdout, no mappings, no copies', async () => {
    const mappingsFile = path.join(dir, 'refused.json');
    const r = await runReimage([...rename(), '-vulncheck-max-cvss', '7', '-write-json-mappings-file', mappingsFile], input, env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const app = `${final('app')} (scanned at ${regs.src.host}/team/app@${digests.app}: not copied yet)`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`9\\.8 +CVE-2019-18224 +libidn2-0.*\\n +A long domain name.*\\n +in ${app}\\n +7\\.8 +CVE-2019-18276 +bash.*\\n.*\\n +in ${app}\\n`));
    assert.doesNotMatch(r.stderr, /team\/db@[\s\S]*CVE-2019-1549/);
    assert.match(r.stderr, /vulnerability check failed: nothing was copied, no manifests were printed and no mappings written/);
    await assert.rejects(access(mappingsFile));
    // Nothing was copied yet, so the scanner ran once per image at its source, by the final digest,
    // with `trivy image -f json <ref>`; and the refused run left the target untouched.
    const scans = (await recordedArgv(argvLog)).sort((a, b) => String(a.at(-1)).localeCompare(String(b.at(-1))));
    assert.deepEqual(scans, [['image', '-f', 'json', `${regs.src.host}/team/app@${digests.app}`], ['image', '-f', 'json', `${regs.src.host}/team/db@${digests.db}`]]);
    for (const name of ['app', 'db'] as const) await assert.rejects(inspectRaw(final(name), regs.dst), /manifest unknown/i);
  });

  it('an ignore entry for the image lets it through, and the mappings record found and ignored CVEs', async () => {
    const mappingsFile = path.join(dir, 'passed.json');
    const reportFile = path.join(dir, 'report.json');
    const r = await runReimage([
      ...rename(), '-vulncheck-max-cvss', '7',
      '-vulncheck-ignore-cve-list', '/team/app@=CVE-2019-18224,CVE-2019-18276',
      '-write-json-mappings-file', mappingsFile, '-write-json-mappings-img', `${regs.dst.host}/reimage/mappings:1`,
      '-vulncheck-report-output', reportFile,
    ], input, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, stream(`${regs.dst.host}/imported/${regs.src.host.replace(':', '_')}/team/app:${digests.app.slice(7)}`,
      `${regs.dst.host}/imported/${regs.src.host.replace(':', '_')}/team/db:${digests.db.slice(7)}`));
    type Cve = { ID: string; CVSS: number; Desc: string };
    type Entry = { ignoredCVEs?: string[]; foundCVEs?: string[]; vulncheckResult: { Ignored: Cve[] | null; Accepted: Cve[] | null; Rejected: null } };
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Record<string, Entry>;
    const app = mappings[`${regs.src.host}/team/app:1.0`];
    const db = mappings[`${regs.src.host}/team/db:16`];
    assert.deepEqual(app?.ignoredCVEs, ['CVE-2019-18224:9.800000', 'CVE-2019-18276:7.800000']);
    assert.deepEqual(db?.foundCVEs, ['CVE-2019-1549:5.300000', 'CVE-2019-1551:5.300000']);
    assert.deepEqual(app?.vulncheckResult.Ignored?.map((c) => [c.ID, c.CVSS]), [['CVE-2019-18224', 9.8], ['CVE-2019-18276', 7.8]]);
    assert.ok(app?.vulncheckResult.Ignored?.every((c) => c.Desc.endsWith('(reimage test fixture).')));
    assert.deepEqual([app?.vulncheckResult.Accepted, app?.vulncheckResult.Rejected, db?.vulncheckResult.Ignored], [null, null, null]);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as { passed: boolean; images: { image: string }[] };
    assert.equal(report.passed, true);
    assert.deepEqual(report.images.map((i) => i.image).sort(), [final('app'), final('db')]);
  });

  it('-vulncheck-report-template renders Go\'s report data into -vulncheck-report-output, also when the check fails', async () => {
    const template = path.join(dir, 'report.tmpl');
    const output = path.join(dir, 'report.txt');
    await writeFile(template, '{{ range $id, $r := .Rejections }}{{ $id }} {{ $r.CVSS }} {{ join "," $r.Images }}\n{{ end }}'
      + '{{ range $img, $q := .Mappings }}{{ $img }}: {{ len $q.VulnCheckResult.Accepted }} accepted\n{{ end }}');
    const r = await runReimage([...rename(), '-vulncheck-max-cvss', '7', '-vulncheck-report-template', template, '-vulncheck-report-output', output], input, env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(await readFile(output, 'utf8'), [
      `CVE-2019-18224 9.8 ${regs.src.host}/team/app:1.0`,
      `CVE-2019-18276 7.8 ${regs.src.host}/team/app:1.0`,
      `${regs.src.host}/team/app:1.0: 0 accepted`,
      `${regs.src.host}/team/db:16: 2 accepted`,
      '',
    ].join('\n'));
  });

  it('-dryrun: an image not copied yet is scanned at its source by digest; one already copied, at its final name', async () => {
    await writeFile(argvLog, '');
    const source = (name: 'app' | 'db') => `${regs.src.host}/team/${name}@${digests[name]}`;
    const notCopied = (name: 'app' | 'db') => `${regs.dst.host}/dry/${regs.src.host.replace(':', '_')}/team/${name}@${digests[name]}`;
    const r = await runReimage(['-dryrun', '-rename-remote-path', `${regs.dst.host}/dry`, '-vulncheck-max-cvss', '7'], input, env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`2 vulnerabilities above 7:\n +9\.8 +CVE-2019-18224.*\n.*\n +in ${escape(`${notCopied('app')} (scanned at ${source('app')}: not copied yet)`)}\n`));
    const scanned = (await recordedArgv(argvLog)).map((a) => a.at(-1)).sort();
    assert.deepEqual(scanned, [source('app'), source('db')]);

    // The earlier tests copied the images under imported/: a dry run scans those finals themselves.
    await writeFile(argvLog, '');
    const copied = await runReimage(['-dryrun', ...rename(), '-vulncheck-max-cvss', '11'], input, env);
    assert.equal(copied.code, 0, copied.stderr);
    assert.deepEqual((await recordedArgv(argvLog)).map((a) => a.at(-1)).sort(), [final('app'), final('db')]);
  });

  it('-no-copy: a final image that is not there is scanned at its source by digest', async () => {
    await writeFile(argvLog, '');
    const r = await runReimage(['-no-copy', '-rename-remote-path', `${regs.dst.host}/nocopy`, '-vulncheck-max-cvss', '11'], input, env);
    assert.equal(r.code, 0, r.stderr);
    const scanned = (await recordedArgv(argvLog)).map((a) => a.at(-1)).sort();
    assert.deepEqual(scanned, [`${regs.src.host}/team/app@${digests.app}`, `${regs.src.host}/team/db@${digests.db}`]);
  });

  it('-vulncheck-max-risk with a grype scanner refuses by risk alone, and the report says so', async () => {
    await fakeScannerOnPath(path.join(dir, 'bin'), 'grype', { reportFile: fixture('scanners/grype/risk-scores.json') });
    const r = await runReimage([...rename(), '-vulncheck-max-risk', '50', '-vulncheck-command', 'grype -o json', '-vulncheck-format', 'grype-json'], input, env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /vulnerability check failed for 2 images \(limit: risk 50\):/);
    assert.match(r.stderr, new RegExp(`1 vulnerability above risk 50:\n +8\\.5 +CVE-1999-0002 +risk 96\\.3 +\\(rejected by risk\\).*\n.*\n +in ${final('app').replaceAll('.', '\\.')}, ${final('db').replaceAll('.', '\\.')}\n`));
  });

  describe('-mappings-only attestation of a mapping image read from the registry', () => {
    let gcp: FakeGcp;
    let keyFile: string;
    let tokenFile: string;
    const attestArgs = () => [
      '-mappings-only', '-static-json-mappings-img', `${regs.dst.host}/reimage/mappings:1`,
      '-binauthz-attestor', ATTESTOR, '-binauthz-endpoint', gcp.url, '-grafeas-endpoint', gcp.url,
      '-attestation-key', keyFile, '-attestation-key-id', 'kid-1', '-gcp-access-token-file', tokenFile,
    ];

    before(async () => {
      gcp = await startFakeGcp();
      const key = await testKey('ECDSA_P256_SHA256');
      keyFile = path.join(dir, 'attest.pem');
      tokenFile = path.join(dir, 'token');
      await writeFile(keyFile, key.privateKeyPem);
      await writeFile(tokenFile, 'test-token\n');
      gcp.attestors.set(ATTESTOR, { name: ATTESTOR, userOwnedGrafeasNote: { noteReference: NOTE, publicKeys: [attestorPublicKey('kid-1', key)] } });
    });
    after(() => gcp?.close());

    it('attests every final digest once with a signature that verifies, then skips them on a re-run', async () => {
      const r = await runReimage(attestArgs(), '', env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /2 created, 0 already present/);
      const created = gcp.occurrences.filter((o) => o.kind === 'ATTESTATION');
      assert.deepEqual(created.map((o) => o.resourceUri).sort(), [final('app'), final('db')]);
      const publicKey = createPublicKey((await testKey('ECDSA_P256_SHA256')).publicKeyPem);
      const hash = signatureAlgorithm('ECDSA_P256_SHA256')!.hash;
      for (const o of created) {
        assert.equal(o.noteName, NOTE);
        const payload = Buffer.from(o.attestation!.serializedPayload!, 'base64url');
        const body = JSON.parse(payload.toString('utf8')) as { critical: { image: { 'docker-manifest-digest': string } } };
        assert.equal(`@${body.critical.image['docker-manifest-digest']}`, o.resourceUri!.slice(o.resourceUri!.indexOf('@')));
        const sig = Buffer.from(o.attestation!.signatures![0]!.signature!, 'base64url');
        assert.ok(verify(hash, payload, { key: publicKey, dsaEncoding: 'der' }, sig), `signature for ${o.resourceUri}`);
      }

      const again = await runReimage(attestArgs(), '', env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /0 created, 2 already present/);
      assert.equal(gcp.occurrences.filter((o) => o.kind === 'ATTESTATION').length, 2);
    });

    it('reports a Grafeas failure with the attestor, the image and the HTTP error: exit 1', async () => {
      gcp.occurrences.length = 0;
      gcp.faults.push({ method: 'POST', path: /occurrences$/, status: 403 });
      const r = await runReimage(attestArgs(), '', env);
      gcp.faults.length = 0;
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`Binary Authorization attestation for ${ATTESTOR} failed for 2 of 2 image\\(s\\)`));
      for (const image of [final('app'), final('db')]) {
        assert.ok(r.stderr.includes(`- ${image}: create ATTESTATION occurrence for ${image}: HTTP 403 from ${gcp.url}/v1/projects/p/occurrences: PERMISSION_DENIED`), r.stderr);
      }
    });

    it('-dryrun creates nothing and shows each payload it would sign', async () => {
      gcp.occurrences.length = 0;
      const from = gcp.requests.length;
      const r = await runReimage([...attestArgs(), '-dryrun'], '', env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(gcp.requestsTo('POST', /occurrences$/).filter((q) => gcp.requests.indexOf(q) >= from), []);
      assert.equal(gcp.occurrences.length, 0);
      for (const name of ['app', 'db'] as const) {
        const [repo, digest] = final(name).split('@');
        assert.ok(r.stderr.includes(`dry run: would attest ${final(name)} for ${ATTESTOR} in projects/p, signing with key file ${keyFile} (public key kid-1, ECDSA_P256_SHA256) this payload:\n` +
          `{\n  "critical": {\n    "identity": {\n      "docker-reference": "${repo}"\n    },\n    "image": {\n      "docker-manifest-digest": "${digest}"\n    },\n` +
          '    "type": "Google cloud binauthz container signature"\n  }\n}\n'), r.stderr);
      }
      assert.match(r.stderr, /0 created, 0 already present, 2 would be created \(dry run\)/);
    });

    it('signs with Cloud KMS through -gcp-kms-endpoint, by default with the attestor\'s first key', async () => {
      const kmsAttestor = 'projects/p/attestors/kms';
      const version = 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/2';
      const key = await testKey('RSA_SIGN_PSS_2048_SHA256');
      await gcp.addKmsKey(version, key);
      gcp.attestors.set(kmsAttestor, { name: kmsAttestor, userOwnedGrafeasNote: { noteReference: NOTE, publicKeys: [attestorPublicKey(`//cloudkms.googleapis.com/v1/${version}`, key)] } });
      gcp.occurrences.length = 0;
      const r = await runReimage([
        '-mappings-only', '-static-json-mappings-img', `${regs.dst.host}/reimage/mappings:1`,
        '-binauthz-attestor', kmsAttestor, '-binauthz-endpoint', gcp.url, '-grafeas-endpoint', gcp.url, '-gcp-kms-endpoint', gcp.url,
        '-gcp-access-token-file', tokenFile,
      ], '', env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /2 created, 0 already present/);
      assert.equal(gcp.requestsTo('POST', new RegExp(`^/v1/${version}:asymmetricSign$`)).length, 2);
      for (const o of gcp.occurrences) {
        const payload = Buffer.from(o.attestation!.serializedPayload!, 'base64url');
        const signature = o.attestation!.signatures![0]!;
        assert.equal(signature.publicKeyId, `//cloudkms.googleapis.com/v1/${version}`);
        assert.ok(verify('sha256', payload, { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(signature.signature!, 'base64url')));
      }
    });
  });
});
