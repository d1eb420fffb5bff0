import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../src/atomic-file.js';
import { readMappingsFile } from '../src/mappings/file.js';
import { InvalidMappingsError, parseMappings, serializeMappings } from '../src/mappings/format.js';
import { StaticMappings } from '../src/mappings/static.js';
import { tempDir } from './harness/temp-dir.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('mappings JSON', () => {
  it('writes the Go format: keys sorted, compact, CVE lists only when present', () => {
    const text = serializeMappings(new Map([
      ['nginx:1.27', { tag: 'r.example.com/i/nginx:1', digest: D1 }],
      ['busybox', { tag: 'r.example.com/i/busybox:2', digest: D2, ignoredCVEs: ['CVE-1'], foundCVEs: [] }],
    ]));
    assert.equal(text,
      `{"busybox":{"tag":"r.example.com/i/busybox:2","digest":"${D2}","ignoredCVEs":["CVE-1"]},`
      + `"nginx:1.27":{"tag":"r.example.com/i/nginx:1","digest":"${D1}"}}`);
  });

  it('reads back what it writes', () => {
    const m = new Map([['a.io/x:1', { tag: 'b.io/x:1', digest: D1, foundCVEs: ['CVE-2'] }]]);
    assert.deepEqual(parseMappings(serializeMappings(m), 'test'), m);
  });

  it('writes and reads the signature and referrer fields after the Go ones, and refuses malformed ones', () => {
    const m = new Map([['a.io/x:1', { tag: 'b.io/x:1', digest: D1, foundCVEs: ['CVE-2'], signatures: [D2], referrers: [D1, D2], signatureKey: 'keys/cosign.pub' }]]);
    const text = serializeMappings(m);
    assert.equal(text, `{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","foundCVEs":["CVE-2"],"signatures":["${D2}"],"referrers":["${D1}","${D2}"],"signatureKey":"keys/cosign.pub"}}`);
    assert.deepEqual(parseMappings(text, 'test'), m);
    assert.throws(() => parseMappings(`{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","signatures":["nope"]}}`, 'f'), /entry "a\.io\/x:1": "signatures" must be a list of digests/);
    assert.throws(() => parseMappings(`{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","signatureKey":7}}`, 'f'), /"signatureKey" must be a string/);
  });

  it('reads the older CVE-object format and the newer vulncheckResult format', () => {
    const objects = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","ignoredCVEs":[{"ID":"CVE-A","CVSS":9.8,"Risk":0,"Desc":"x"}],"foundCVEs":[{"ID":"CVE-B","CVSS":2,"Risk":0,"Desc":""}]}}`;
    assert.deepEqual(parseMappings(objects, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1, ignoredCVEs: ['CVE-A'], foundCVEs: ['CVE-B'] });
    const newer = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":[{"ID":"CVE-A","CVSS":9.8,"Risk":0,"Desc":""}],"Accepted":[{"ID":"CVE-B","CVSS":1,"Risk":0,"Desc":""}],"Rejected":null}}}`;
    assert.deepEqual(parseMappings(newer, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1, ignoredCVEs: ['CVE-A'], foundCVEs: ['CVE-B'] });
    const rejected = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":[{"ID":"CVE-B","CVSS":1,"Risk":0,"Desc":""}],"Rejected":[{"ID":"CVE-C","CVSS":9,"Risk":0,"Desc":"","Reason":"above 7"}]}}}`;
    assert.deepEqual(parseMappings(rejected, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1, foundCVEs: ['CVE-B', 'CVE-C'] });
    const empty = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}`;
    assert.deepEqual(parseMappings(empty, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1 });
  });

  it('names the source and the entry in errors', () => {
    assert.throws(() => parseMappings('[1]', 'file m.json'), /mappings file m.json must be a JSON object/);
    assert.throws(() => parseMappings('{', 'file m.json'), /mappings file m.json are not valid JSON/);
    assert.throws(() => parseMappings(`{"nginx":{"tag":"r.io/nginx:1","digest":"sha256:abc"}}`, 'file m.json'),
      (err: Error) => err instanceof InvalidMappingsError && /entry "nginx": "digest" must be a digest/.test(err.message));
    assert.throws(() => parseMappings(`{"nginx":{"tag":"R.io/Nginx:1","digest":"${D1}"}}`, 'f'), /entry "nginx": "tag": .*lowercase/);
    assert.throws(() => parseMappings(`{"Bad Key":{"tag":"r.io/n:1","digest":"${D1}"}}`, 'f'), /entry "Bad Key": invalid image reference/);
  });
});

describe('static mappings lookup', () => {
  const m = new StaticMappings(new Map([
    ['nginx', { tag: 'r.io/nginx:1', digest: D1 }],
    ['quay.io/a/b:1', { tag: 'r.io/b:1', digest: D2 }],
  ]), 'file m.json');

  it('finds an image as written, or spelled differently', () => {
    assert.equal(m.lookup('nginx').entry.tag, 'r.io/nginx:1');
    assert.deepEqual(m.lookup('docker.io/library/nginx:latest'), { key: 'nginx', entry: { tag: 'r.io/nginx:1', digest: D1 } });
  });

  it('fails for an image the mappings do not name', () => {
    assert.throws(() => m.lookup('quay.io/a/b:2'), /quay.io\/a\/b:2 is not in the static mappings \(file m.json\)/);
  });
});

describe('atomic mappings file', () => {
  it('writes with mode 0600, replaces an existing file and leaves no temporary file', async () => {
    const dir = await tempDir('reimage-map-');
    const path = join(dir, 'm.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    await writeFileAtomic(path, '{}');
    assert.equal(readFileSync(path, 'utf8'), '{}');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['m.json']);
    assert.deepEqual(await readMappingsFile(path), new Map());
  });

  it('fails with the path named, and cleans up, when the directory is missing', async () => {
    await assert.rejects(writeFileAtomic('/nonexistent-dir/m.json', '{}'), /could not write \/nonexistent-dir\/m.json/);
    await assert.rejects(readMappingsFile('/nonexistent-dir/m.json'), /could not read mappings file \/nonexistent-dir\/m.json/);
  });
});
