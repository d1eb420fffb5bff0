import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findImages, parseImageRules, parseManifestStream, RulesConfigError, searchStream } from '../src/manifests/index.js';
import { goRegExp } from '../src/regexp.js';
import { referenceBeyondDoubt } from '../src/manifests/suspects.js';

const suspectsIn = (text: string, rulesYaml?: string, fastScan = true) =>
  searchStream(parseManifestStream(text, { fastScan }), parseImageRules(rulesYaml, 'rules.yaml', 'k8s'), { suspects: true })
    .suspects.map((s) => `${s.doc} ${s.path}${s.span ? ` ${s.span.offset}+${s.span.length}` : ''} ${s.image}`);

test('a reference beyond doubt names a registry and has a tag or digest; URLs, paths, versions and host:port do not qualify', () => {
  for (const yes of ['quay.io/x/y:v1', 'localhost/app:1', 'localhost:5000/app:1', 'registry:5000/kubevirt/cirros:devel',
    `gcr.io/p/i@sha256:${'a'.repeat(64)}`, '[::1]:5000/app:2']) {
    assert.ok(referenceBeyondDoubt(yes), yes);
  }
  for (const no of ['nginx:1.27', 'bitnami/redis:7', 'quay.io/x/y', 'https://quay.io/x/y:v1', 'http://example.com:8080/metrics',
    '/etc/config/file.yaml', '/var/run/x:y', 'v1.2.3', '1.27.0', 'example.com:8080', 'prometheus-k8s.monitoring.svc:9090',
    'kube-system/kubelet', 'ghcr.io/Org/App:1', 'user@example.com', 'example.com:8080/path', 'foo.com/a:b/c']) {
    assert.equal(referenceBeyondDoubt(no), undefined, no);
  }
});

const OPERATOR = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
  namespace: ns
  annotations:
    docs: https://quay.io/repository/x/y:v1 and see /etc/x.yaml
    note: "built with quay.io/builder/go:1.22, see notes"
spec:
  template:
    spec:
      containers:
        - name: op
          image: quay.io/op/operator:v1
          args:
            - --reloader=quay.io/op/reloader:v1
            - -helper-image=ghcr.io/op/helper@sha256:${'b'.repeat(64)}
            - --listen=0.0.0.0:8080
            - --url=http://svc.ns.svc:9090/api
            - --version=v1.2.3
            - ghcr.io/op/plain:2
          command: ["sh", "-c", "exec docker.io/library/busybox:1.36 'x'"]
          env:
            - name: SIDECAR
              value: SIDECAR=registry.example.com:5000/side/car:3
            - name: RELATED_IMAGE_DB
              value: postgres:16
            - name: OTHER
              value: postgres:16
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-deployment
data:
  queue-sidecar-image: gcr.io/knative/queue:1.15
  config.yaml: |
    proxy:
      image: "docker.io/istio/proxyv2:1.22.0"
    url: https://example.com:443/x
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
data:
  script: |
    echo hello
  sidecar: quay.io/other/thing:2
`;

test('suspects: whole scalars, --flag= and KEY= values, words in longer strings, RELATED_IMAGE_* env values, ConfigMap data', () => {
  const expected = [
    '0 $.metadata.annotations.note 11+23 quay.io/builder/go:1.22',
    '0 $.spec.template.spec.containers[0].args[0] 11+22 quay.io/op/reloader:v1',
    `0 $.spec.template.spec.containers[0].args[1] 14+${'ghcr.io/op/helper@sha256:'.length + 64} ghcr.io/op/helper@sha256:${'b'.repeat(64)}`,
    '0 $.spec.template.spec.containers[0].args[5] ghcr.io/op/plain:2',
    '0 $.spec.template.spec.containers[0].command[2] 5+30 docker.io/library/busybox:1.36',
    '0 $.spec.template.spec.containers[0].env[0].value 8+36 registry.example.com:5000/side/car:3',
    '0 $.spec.template.spec.containers[0].env[1].value postgres:16',
    "1 $.data['queue-sidecar-image'] gcr.io/knative/queue:1.15",
    "1 $.data['config.yaml'] 17+30 docker.io/istio/proxyv2:1.22.0",
    '2 $.data.sidecar quay.io/other/thing:2',
  ];
  assert.deepEqual(suspectsIn(OPERATOR), expected);
  assert.deepEqual(suspectsIn(OPERATOR, undefined, false), expected);
});

test('image fields are never suspects, and rules that cover a string remove its suspects', () => {
  const rules = `- kind: ^Deployment$
  imageJSONP: ["$.spec.template.spec.containers[*].args[*]"]
  imageRegexp: ^--reloader=(.+)$
- kind: ^Deployment$
  imageJSONP: ["$.spec.template.spec.containers[*].env[?@.name=='RELATED_IMAGE_DB'].value"]
`;
  const left = suspectsIn(OPERATOR, rules);
  assert.ok(!left.some((s) => s.includes('reloader') || s.includes('postgres')), left.join('\n'));
  assert.equal(left.length, 8);
  assert.deepEqual(findImages(parseManifestStream(OPERATOR), parseImageRules(rules, 'rules.yaml', 'k8s')).map((o) => `${o.path} ${o.image}`), [
    '$.spec.template.spec.containers[0].image quay.io/op/operator:v1',
    '$.spec.template.spec.containers[0].args[0] quay.io/op/reloader:v1',
    '$.spec.template.spec.containers[0].env[1].value postgres:16',
  ]);
});

test('-ignore drops suspects too', () => {
  const found = searchStream(parseManifestStream(OPERATOR), parseImageRules(undefined, 'r', 'k8s'), { suspects: true, ignore: /^(quay|ghcr|docker)\.io\// });
  assert.deepEqual(found.suspects.map((s) => s.image), ['registry.example.com:5000/side/car:3', 'postgres:16', 'gcr.io/knative/queue:1.15']);
});

test('a rule pattern must have exactly one capture group', () => {
  assert.equal(goRegExp('^--x=(.+)$', 'test').groupCount, 1);
  assert.equal(goRegExp('^(?:--x|-y)=(?P<image>[^ ]+)$', 'test').groupCount, 1);
  assert.equal(goRegExp('\\(([a-z(]+)\\)[(]\\Q(\\E', 'test').groupCount, 1);
  assert.equal(goRegExp('[[:alpha:](]+', 'test').groupCount, 0);
  for (const [pattern, groups] of [['^--x=.+$', 0], ['^(--x)=(.+)$', 2]] as const) {
    assert.throws(() => parseImageRules(`- kind: Foo\n  imageJSONP: ["$.a"]\n  imageRegexp: '${pattern}'\n`, 'rules.yaml', 'k8s'),
      (err: Error) => err instanceof RulesConfigError && err.exitCode === 2 &&
        err.message.includes(`has ${groups} capture groups; want exactly one`) && err.message.includes('rules.yaml'));
  }
  assert.throws(() => parseImageRules('- kind: Foo\n  imageJSONP: ["$.a"]\n  imageRegexp: "(a"\n', 'rules.yaml', 'k8s'), /invalid regexp/);
});

test('rewriting an embedded image changes only the captured text, in every scalar style', () => {
  const text = `kind: Deployment
spec:
  template:
    spec:
      containers:
        - image: app:1
          args:
            - --reloader=quay.io/op/reloader:v1   # plain
            - "--reloader=quay.io/op/reloader:v1"
            - '--reloader=quay.io/op/reloader:v1'
            - 'it''s --reloader=quay.io/op/reloader:v1 too'
            - "--a=b --reloader=quay.io/op/reloader:v1 \\u00e9"
            - --reloader=quay.io/op/reloader:v1
              --more
          command: [--reloader=quay.io/op/reloader:v1, x]
`;
  const rules = `- kind: Deployment
  imageJSONP: ["$.spec.template.spec.containers[*].args[*]", "$.spec.template.spec.containers[*].command[*]"]
  imageRegexp: --reloader=([^ ]+)
`;
  for (const fastScan of [true, false]) {
    const stream = parseManifestStream(text, { fastScan });
    const found = findImages(stream, parseImageRules(rules, 'rules.yaml', 'k8s')).filter((o) => o.span);
    assert.equal(found.length, 7);
    for (const o of found) o.setImage('mirror.example.com/op/reloader@sha256:' + 'c'.repeat(64));
    const out = stream.toString();
    const expected = text.replaceAll('quay.io/op/reloader:v1', 'mirror.example.com/op/reloader@sha256:' + 'c'.repeat(64))
      // Escapes and line folds cannot be kept as written: those scalars are written again, in their style.
      .replace(' \\u00e9"', ' é"')
      .replace(/- --reloader=(\S+)\n\s+--more/, '- --reloader=$1 --more');
    assert.equal(out, expected);
  }
});

test('a pattern that does not match a selected string skips it; other values it selects are skipped too', () => {
  const rules = `- kind: Deployment
  imageJSONP: ["$.spec.template.spec.containers[*].args[*]"]
  imageRegexp: ^--reloader=(.+)$
`;
  const text = 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - args: [--other=quay.io/x:1, 5, {a: b}]\n';
  assert.deepEqual(findImages(parseManifestStream(text), parseImageRules(rules, 'rules.yaml', 'k8s')), []);
});

test('a suspect in an item of a List names the item', () => {
  const text = `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      template:
        spec:
          containers:
            - image: nginx:1
              args: [--sidecar=quay.io/x/side:1]
  - kind: ConfigMap
    metadata:
      name: cfg
    data:
      image: quay.io/x/cfg:2
`;
  for (const fastScan of [true, false]) {
    const found = searchStream(parseManifestStream(text, { fastScan }), parseImageRules(undefined, 'r', 'k8s'), { suspects: true });
    assert.deepEqual(found.suspects.map((s) => `${s.kind} ${s.namespace}/${s.name} ${s.path} ${s.image}`), [
      'Deployment shop/web $.items[0].spec.template.spec.containers[0].args[0] quay.io/x/side:1',
      'ConfigMap /cfg $.items[1].data.image quay.io/x/cfg:2',
    ]);
  }
});
