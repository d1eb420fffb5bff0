import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
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
const EMPTY = { Ignored: null, Accepted: null, Rejected: null };

describe('mappings JSON', () => {
  it('writes the Go v0.15 format: keys sorted, compact, vulncheckResult always (null lists), old CVE strings when present', () => {
    const text = serializeMappings(new Map([
      ['nginx:1.27', { tag: 'r.example.com/i/nginx:1', digest: D1 }],
      ['busybox', { tag: 'r.example.com/i/busybox:2', digest: D2, vulncheckResult: {
        Ignored: [{ ID: 'CVE-1', CVSS: 9.8, Risk: 0, Desc: 'a <b> & c' }],
        Accepted: null,
        Rejected: [{ ID: 'CVE-3', CVSS: 7.5, Risk: 0.12225000000000001, Desc: '', Reason: 'why' }],
      } }],
    ]));
    assert.equal(text,
      `{"busybox":{"tag":"r.example.com/i/busybox:2","digest":"${D2}","ignoredCVEs":["CVE-1:9.800000"],`
      + '"vulncheckResult":{"Ignored":[{"ID":"CVE-1","CVSS":9.8,"Risk":0,"Desc":"a \\u003cb\\u003e \\u0026 c"}],"Accepted":null,'
      + '"Rejected":[{"ID":"CVE-3","CVSS":7.5,"Risk":0.12225,"Desc":"","Reason":"why"}]}},'
      + `"nginx:1.27":{"tag":"r.example.com/i/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}`);
  });

  it('reads back what it writes, scores, descriptions and reasons included', () => {
    const m = new Map([['a.io/x:1', { tag: 'b.io/x:1', digest: D1, vulncheckResult: {
      Ignored: null,
      Accepted: [{ ID: 'CVE-2', CVSS: 2.5, Risk: 1.5, Desc: 'two' }],
      Rejected: [{ ID: 'CVE-3', CVSS: 9, Risk: 0, Desc: 'three', Reason: 'above' }],
    } }]]);
    assert.deepEqual(parseMappings(serializeMappings(m), 'test'), m);
  });

  it('writes and reads the signature and referrer fields after the Go ones, and refuses malformed ones', () => {
    const m = new Map([['a.io/x:1', { tag: 'b.io/x:1', digest: D1, vulncheckResult: EMPTY, signatures: [D2], referrers: [D1, D2], signatureKey: 'keys/cosign.pub' }]]);
    const text = serializeMappings(m);
    assert.equal(text, `{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null},`
      + `"signatures":["${D2}"],"referrers":["${D1}","${D2}"],"signatureKey":"keys/cosign.pub"}}`);
    assert.deepEqual(parseMappings(text, 'test'), m);
    assert.throws(() => parseMappings(`{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","signatures":["nope"]}}`, 'f'), /entry "a\.io\/x:1": "signatures" must be a list of digests/);
    assert.throws(() => parseMappings(`{"a.io/x:1":{"tag":"b.io/x:1","digest":"${D1}","signatureKey":7}}`, 'f'), /"signatureKey" must be a string/);
  });

  it('reads every older format: "ID:score" strings, bare IDs, CVE objects, and vulncheckResult faithfully', () => {
    const strings = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","ignoredCVEs":["CVE-A:9.800000"],"foundCVEs":["CVE-B"]}}`;
    assert.deepEqual(parseMappings(strings, 't').get('nginx')?.vulncheckResult, {
      Ignored: [{ ID: 'CVE-A', CVSS: 9.8, Risk: 0, Desc: '' }], Accepted: [{ ID: 'CVE-B', CVSS: 0, Risk: 0, Desc: '' }], Rejected: null,
    });
    const objects = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","ignoredCVEs":[{"ID":"CVE-A","CVSS":9.8,"Risk":0,"Desc":"x"}],"foundCVEs":[{"ID":"CVE-B","CVSS":2,"Risk":0,"Desc":""}]}}`;
    assert.deepEqual(parseMappings(objects, 't').get('nginx')?.vulncheckResult, {
      Ignored: [{ ID: 'CVE-A', CVSS: 9.8, Risk: 0, Desc: 'x' }], Accepted: [{ ID: 'CVE-B', CVSS: 2, Risk: 0, Desc: '' }], Rejected: null,
    });
    const rejected = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":[{"ID":"CVE-B","CVSS":1,"Risk":0,"Desc":""}],"Rejected":[{"ID":"CVE-C","CVSS":9,"Risk":3,"Desc":"d","Reason":"above 7"}]}}}`;
    assert.deepEqual(parseMappings(rejected, 't').get('nginx')?.vulncheckResult, {
      Ignored: null, Accepted: [{ ID: 'CVE-B', CVSS: 1, Risk: 0, Desc: '' }], Rejected: [{ ID: 'CVE-C', CVSS: 9, Risk: 3, Desc: 'd', Reason: 'above 7' }],
    });
    const empty = `{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}`;
    assert.deepEqual(parseMappings(empty, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1, vulncheckResult: { Ignored: null, Accepted: null, Rejected: null } });
    assert.deepEqual(parseMappings(`{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}"}}`, 't').get('nginx'), { tag: 'r.io/nginx:1', digest: D1 });
    assert.throws(() => parseMappings(`{"nginx":{"tag":"r.io/nginx:1","digest":"${D1}","vulncheckResult":{"Accepted":[{"ID":"X","CVSS":"high"}]}}}`, 't'),
      /entry "nginx": "vulncheckResult.Accepted"\[0\].CVSS must be a number/);
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

  it('reads a mappings file given as a pipe (a shell\'s <(…)) to its end', async () => {
    const fifo = join(await tempDir('reimage-map-'), 'm.fifo');
    execFileSync('mkfifo', [fifo]);
    const json = serializeMappings(new Map([['nginx:1.27', { tag: 'r.example.com/i/nginx:1', digest: D1 }]]));
    // A separate process writes the pipe, as a shell would: the file is read synchronously.
    const writer = spawn('sh', ['-c', 'printf "%s" "$1" > "$2"', 'sh', json, fifo]);
    const written = once(writer, 'close');
    const read = await readMappingsFile(fifo);
    await written;
    assert.equal(read.get('nginx:1.27')?.digest, D1);
  });

  it('fails with the path named, and cleans up, when the directory is missing', async () => {
    await assert.rejects(writeFileAtomic('/nonexistent-dir/m.json', '{}'), /could not write \/nonexistent-dir\/m.json/);
    await assert.rejects(readMappingsFile('/nonexistent-dir/m.json'), /could not read mappings file \/nonexistent-dir\/m.json/);
  });
});
