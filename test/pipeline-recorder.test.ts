import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MappingConflictError, Recorder } from '../src/pipeline/recorder.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const conflict = (fn: () => void): MappingConflictError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MappingConflictError);
    return err;
  }
  assert.fail('no conflict');
};

describe('recorder', () => {
  it('keeps original (as written) → final, one entry per spelling', () => {
    const r = new Recorder();
    r.record({ written: 'nginx', target: 'r.io/nginx:1', digest: D1 });
    r.record({ written: 'docker.io/library/nginx:latest', target: 'r.io/nginx:1', digest: D1 });
    r.record({ written: 'nginx', target: 'r.io/nginx:1', digest: D1 });
    assert.deepEqual(r.mappings(), new Map([
      ['nginx', { tag: 'r.io/nginx:1', digest: D1 }],
      ['docker.io/library/nginx:latest', { tag: 'r.io/nginx:1', digest: D1 }],
    ]));
  });

  it('refuses one image mapped to two targets, naming both', () => {
    const r = new Recorder();
    r.record({ written: 'nginx', target: 'r.io/a/nginx:1', digest: D1 });
    const err = conflict(() => r.record({ written: 'nginx:latest', target: 'r.io/b/nginx:1', digest: D1 }));
    assert.deepEqual(err.images, ['nginx', 'nginx:latest']);
    assert.match(err.message, /one image, two mappings: nginx and nginx:latest are the same image \(docker.io\/library\/nginx:latest\) but would map to both r.io\/a\/nginx:1 and r.io\/b\/nginx:1/);
  });

  it('refuses two different images written to one target, naming both', () => {
    const r = new Recorder();
    r.record({ written: 'a.io/app:1', target: 'r.io/app:1', digest: D1 });
    const err = conflict(() => r.record({ written: 'b.io/app:1', target: 'r.io/app:1', digest: D2 }));
    assert.deepEqual(err.images, ['a.io/app:1', 'b.io/app:1']);
    assert.match(err.message, /two images, one target: a.io\/app:1 \(sha256:1+\) and b.io\/app:1 \(sha256:2+\) would both be written to r.io\/app:1/);
  });

  it('lets the same content reached by tag and by digest share a target', () => {
    const r = new Recorder();
    r.record({ written: 'nginx:1.27', target: 'r.io/nginx:x', digest: D1 });
    r.record({ written: `nginx@${D1}`, target: 'r.io/nginx:x', digest: D1 });
    assert.equal(r.mappings().size, 2);
  });

  it('treats different spellings of a target as the same target', () => {
    const r = new Recorder();
    r.record({ written: 'nginx', target: 'docker.io/library/busybox:latest', digest: D1 });
    r.record({ written: 'nginx:latest', target: 'busybox', digest: D1 });
    assert.equal(r.mappings().size, 2);
  });
});
