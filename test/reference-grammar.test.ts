import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familiarString, formatReference, goName, InvalidReferenceError, matchesImage, parseReference } from '../src/reference/reference.js';

const D64 = 'sha256:' + 'f'.repeat(64);
const A64 = 'sha256:' + 'a1'.repeat(32);

/** [input, normalized form] from the distribution/reference grammar and ParseNormalizedNamed. */
const VALID: readonly [string, string][] = [
  ['nginx', 'docker.io/library/nginx:latest'],
  ['nginx:1.27', 'docker.io/library/nginx:1.27'],
  ['test_com', 'docker.io/library/test_com:latest'],
  ['test.com:tag', 'docker.io/library/test.com:tag'], // foo.com:bar is a tag, not a host
  ['test.com:5000', 'docker.io/library/test.com:5000'],
  ['test.com/repo:tag', 'test.com/repo:tag'],
  ['test:5000/repo', 'test:5000/repo:latest'],
  ['test:5000/repo:tag', 'test:5000/repo:tag'],
  [`test:5000/repo@${D64}`, `test:5000/repo@${D64}`],
  [`test:5000/repo:tag@${D64}`, `test:5000/repo:tag@${D64}`],
  [`nginx@${A64}`, `docker.io/library/nginx@${A64}`],
  [`nginx:1.27@${A64}`, `docker.io/library/nginx:1.27@${A64}`],
  ['lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
  ['bitnami/redis:7.2', 'docker.io/bitnami/redis:7.2'],
  ['docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
  ['index.docker.io/foo/bar', 'docker.io/foo/bar:latest'],
  ['localhost/repo', 'localhost/repo:latest'],
  ['localhost:5000/repo:tag', 'localhost:5000/repo:tag'],
  ['localhost', 'docker.io/library/localhost:latest'],
  ['127.0.0.1:5000/repo', '127.0.0.1:5000/repo:latest'],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo:latest'],
  ['[2001:db8::1]/repo:v1', '[2001:db8::1]/repo:v1'],
  ['[::1]:5000/a/b', '[::1]:5000/a/b:latest'],
  ['Foo/bar', 'Foo/bar:latest'], // an upper-case first component is a host
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux:latest'],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage:xn--n3h.com'],
  ['a.b-c.d/e__f/g--h/i.j/k_l', 'a.b-c.d/e__f/g--h/i.j/k_l:latest'],
  ['quay.io/prometheus/prometheus:v2.53.0', 'quay.io/prometheus/prometheus:v2.53.0'],
  ['registry.k8s.io/ingress-nginx/controller:v1.11.2', 'registry.k8s.io/ingress-nginx/controller:v1.11.2'],
  [`foo:${'t'.repeat(128)}`, `docker.io/library/foo:${'t'.repeat(128)}`],
  ['foo:_tag', 'docker.io/library/foo:_tag'],
  ['foo:1.0-rc.1_build', 'docker.io/library/foo:1.0-rc.1_build'],
  [`reg.io/x@sha512:${'b'.repeat(128)}`, `reg.io/x@sha512:${'b'.repeat(128)}`],
];

/** [input, part of the reason] */
const INVALID: readonly [string, RegExp][] = [
  ['', /empty/],
  [':justtag', /repository name is empty/],
  [`@${D64}`, /repository name is empty/],
  ['Uppercase:tag', /lowercase/],
  ['test:5000/Uppercase/lowercase:tag', /lowercase/],
  ['repo@sha256:ffffffffffffffffffffffffffffffffff', /sha256 digest/],
  [`validname@invaliddigest:${'f'.repeat(64)}`, /unsupported digest algorithm/],
  [`repo@sha256:${'F'.repeat(64)}`, /sha256 digest/],
  ['aa/asdf$$^/aa', /invalid repository name/],
  ['a^a', /invalid/],
  ['foo_bar.com:8080/repo', /invalid registry host/],
  ['registry.example.com:port/repo', /invalid/],
  ['[fe80::1%eth0]:5000/repo', /invalid/],
  ['-foo/bar', /invalid repository name/],
  ['foo/-bar', /invalid repository name/],
  ['foo/bar-', /invalid repository name/],
  ['foo./bar', /invalid registry host/],
  ['e___f/g', /invalid repository name/],
  ['a/b_-c', /invalid repository name/],
  ['foo/', /invalid repository name/],
  ['foo:', /invalid tag/],
  [`foo:${'t'.repeat(129)}`, /invalid tag/],
  ['foo:-tag', /invalid tag/],
  ['foo:ta g', /invalid tag/],
  ['foo bar', /invalid/],
  ['f'.repeat(64), /image ID/],
  // As distribution/reference and go-containerregistry: 255 is the limit on the path, not domain + path.
  [`reg.io/${'a'.repeat(256)}`, /repository path must not be more than 255/],
  [`${'a'.repeat(256)}`, /repository path must not be more than 255/],
];

for (const [input, normalized] of VALID) {
  test(`valid reference ${JSON.stringify(input.length > 60 ? input.slice(0, 60) + '…' : input)}`, () => {
    assert.equal(formatReference(parseReference(input)), normalized);
  });
}

for (const [input, reason] of INVALID) {
  test(`invalid reference ${JSON.stringify(input.length > 60 ? input.slice(0, 60) + '…' : input)}`, () => {
    assert.throws(() => parseReference(input), (err: unknown) => {
      assert.ok(err instanceof InvalidReferenceError, String(err));
      assert.match(err.message, reason);
      return true;
    });
  });
}

test('the 255-character limit is on the path only: a 255-character path under a long host is valid', () => {
  const host = `${'h'.repeat(60)}.example.com:5000`;
  const path = `${'p'.repeat(127)}/${'q'.repeat(127)}`;
  assert.equal(path.length, 255);
  assert.equal(formatReference(parseReference(`${host}/${path}:1`)), `${host}/${path}:1`);
});

test('goName is go-containerregistry\'s Name(): index.docker.io, :latest added, a digest replaces the tag', () => {
  const D = `sha256:${'a'.repeat(64)}`;
  assert.equal(goName(parseReference('busybox')), 'index.docker.io/library/busybox:latest');
  assert.equal(goName(parseReference('docker.io/bitnami/redis:7')), 'index.docker.io/bitnami/redis:7');
  assert.equal(goName(parseReference(`nginx:1.27@${D}`)), `index.docker.io/library/nginx@${D}`);
  assert.equal(goName(parseReference('quay.io/a/b')), 'quay.io/a/b:latest');
});

test('matchesImage tries the image as written and its Go spelling', () => {
  assert.ok(matchesImage(/^index\.docker\.io\/library\/busybox/, 'busybox'));
  assert.ok(matchesImage(/^docker\.io\/library\/busybox@/, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`));
  assert.ok(matchesImage(/^index\.docker\.io\/library\/busybox@/, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`));
  assert.ok(matchesImage(/^busybox$/, 'busybox'));
  assert.ok(!matchesImage(/^docker\.io\//, 'busybox'), 'our normalised spelling is not one the Go tool matches either');
  assert.ok(!matchesImage(/x/, 'Not A Reference'));
});

test('familiar strings drop docker.io and library/', () => {
  assert.equal(familiarString(parseReference('docker.io/library/nginx:1')), 'nginx:1');
  assert.equal(familiarString(parseReference('bitnami/redis')), 'bitnami/redis:latest');
  assert.equal(familiarString(parseReference('quay.io/a/b:1')), 'quay.io/a/b:1');
});
