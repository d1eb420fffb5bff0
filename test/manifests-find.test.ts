import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregateReimageError, UsageError } from '../src/errors.js';
import { findImages, ImageFieldError, parseImageRules, parseManifestStream, RulesConfigError } from '../src/manifests/index.js';
import { fixture, imagesIn, summary } from './harness/manifests.js';

const ALL_KINDS = [
  '0 Pod ns1/pod-a $.spec.initContainers[0].image busybox:1.36',
  '0 Pod ns1/pod-a $.spec.containers[0].image nginx:1.27',
  '0 Pod ns1/pod-a $.spec.ephemeralContainers[0].image docker.io/library/alpine:3.20',
  '0 Pod ns1/pod-a $.spec.volumes[0].image.reference quay.io/org/data-image:v1',
  '1 PodTemplate /tmpl $.template.spec.containers[0].image registry.example.com/tmpl:1',
  '2 ReplicationController ns2/rc $.spec.template.spec.containers[0].image registry.example.com/rc:1',
  '3 ReplicaSet /rs $.spec.template.spec.containers[0].image registry.example.com/rs:1',
  '4 Deployment /deploy $.spec.template.spec.containers[0].image registry.example.com/deploy-a:1',
  `4 Deployment /deploy $.spec.template.spec.containers[1].image registry.example.com/deploy-b@sha256:${'0'.repeat(64)}`,
  '5 StatefulSet /sts $.spec.template.spec.containers[0].image postgres:16',
  '6 DaemonSet /ds $.spec.template.spec.containers[0].image localhost:5000/agent:2',
  '7 Job /job $.spec.template.spec.containers[0].image registry.example.com/job:1',
  '8 CronJob /cron $.spec.jobTemplate.spec.template.spec.containers[0].image registry.example.com/cron:1',
  '9 Pod /listed-pod $.items[0].spec.containers[0].image registry.example.com/listed:1',
  '9 Deployment /nested $.items[1].items[0].spec.template.spec.containers[0].image registry.example.com/nested:1',
];

test('every built-in kind and pod-spec path, for any apiVersion, and List items', () => {
  assert.deepEqual(imagesIn(fixture('all-kinds.yaml')), ALL_KINDS);
});

test('the full parser finds exactly what the fast scanner finds', () => {
  for (const name of ['all-kinds.yaml', 'tricky.yaml', 'helm-chart.yaml']) {
    assert.deepEqual(imagesIn(fixture(name), undefined, 'k8s', false), imagesIn(fixture(name)), name);
  }
});

test('tricky YAML: quoting styles, anchors, aliases (one node, one occurrence), flow maps, tags', () => {
  assert.deepEqual(imagesIn(fixture('tricky.yaml')), [
    '1 Deployment /tricky $.spec.template.spec.containers[0].image nginx:1.27',
    '1 Deployment /tricky $.spec.template.spec.containers[1].image quay.io/org/app:v1',
    '1 Deployment /tricky $.spec.template.spec.containers[2].image ghcr.io/org/tool:2.0',
    '1 Deployment /tricky $.spec.template.spec.containers[3].image registry.example.com/shared:1',
    '1 Deployment /tricky $.spec.template.spec.containers[5].image registry.example.com/flow:1',
    '1 Deployment /tricky $.spec.template.spec.containers[6].image registry.example.com/tagged:1',
  ]);
});

test('occurrences carry the normalized reference and apiVersion', () => {
  const [first] = findImages(parseManifestStream(fixture('all-kinds.yaml')), parseImageRules(undefined, 'r', 'k8s'));
  assert.equal(first?.apiVersion, 'v1');
  assert.deepEqual(first?.reference, { domain: 'docker.io', path: 'library/busybox', tag: '1.36' });
});

const CRDS = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: main, namespace: monitoring}
spec:
  image: quay.io/prometheus/prometheus:v2.53.0
---
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main}
spec:
  image: quay.io/prometheus/alertmanager:v0.27.0
---
apiVersion: monitoring.coreos.com/v1
kind: ThanosRuler
metadata: {name: main}
spec: {}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  image: registry.example.com/widget:1
  sidecars:
    - image: registry.example.com/sidecar-a:1
    - image: registry.example.com/sidecar-b:1
  runner:
    image: registry.example.com/runner:1
`;

test('built-in rules for prometheus-operator kinds; a missing path is skipped', () => {
  assert.deepEqual(imagesIn(CRDS), [
    '0 Prometheus monitoring/main $.spec.image quay.io/prometheus/prometheus:v2.53.0',
    '1 Alertmanager /main $.spec.image quay.io/prometheus/alertmanager:v0.27.0',
  ]);
});

test('every matching rule applies, with every JSONPath; missing paths are skipped', () => {
  const rules = `
- kind: ^Widget$
  apiVersion: ^example\\.com/
  imageJSONP: ["$.spec.image", "$.spec.nothing.here"]
- kind: (?i)^widget
  imageJSONP:
  - $.spec.sidecars[*].image
- kind: Widg
  apiVersion: v1
  imageJSONP: ["$..runner.image"]
- kind: ^Gadget$
  imageJSONP: ["$.spec.image"]
`;
  assert.deepEqual(imagesIn(CRDS, rules).slice(2), [
    '3 Widget /w $.spec.image registry.example.com/widget:1',
    '3 Widget /w $.spec.sidecars[0].image registry.example.com/sidecar-a:1',
    '3 Widget /w $.spec.sidecars[1].image registry.example.com/sidecar-b:1',
    '3 Widget /w $.spec.runner.image registry.example.com/runner:1',
  ]);
});

test('rules apply to built-in kinds too, without duplicating a field the built-in search found', () => {
  const rules = `
- kind: ^Deployment$
  apiVersion: ""
  imageJSONP: ["$..image", "$.metadata.annotations['example.com/extra-image']"]
`;
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  annotations:
    example.com/extra-image: registry.example.com/extra:1
spec:
  template:
    spec:
      containers:
        - image: registry.example.com/app:1
`;
  assert.deepEqual(imagesIn(text, rules), [
    "0 Deployment /d $.metadata.annotations['example.com/extra-image'] registry.example.com/extra:1",
    '0 Deployment /d $.spec.template.spec.containers[0].image registry.example.com/app:1',
  ]);
});

test('a rule that selects a non-string is an error naming the rule, document and path', () => {
  const rules = '- kind: ^Widget$\n  imageJSONP: ["$.spec.sidecars"]\n';
  assert.throws(() => imagesIn(CRDS, rules), (err: unknown) => {
    assert.ok(err instanceof ImageFieldError);
    assert.equal(err.message, 'rule 1 (kind ^Widget$) in rules.yaml selects $.spec.sidecars in Widget w (document 3): want an image string, found a list');
    return true;
  });
});

test('a built-in image field that is not a string is an error', () => {
  const text = 'kind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n    - image: 1.10\n';
  assert.throws(() => imagesIn(text), /\$\.spec\.containers\[0\]\.image in Pod n\/p \(document 0\): want an image string, found a number/);
});

test('invalid references are errors naming document, object and path; all are reported together', () => {
  const text = `kind: Pod
metadata: {name: p}
spec:
  containers:
    - image: Nginx:1
    - image: ""
    - image: nginx@sha256:abc
`;
  assert.throws(() => imagesIn(text), (err: unknown) => {
    assert.ok(err instanceof AggregateReimageError);
    assert.equal(err.errors.length, 3);
    assert.match(err.message, /\$\.spec\.containers\[0\]\.image in Pod p \(document 0\): invalid image reference "Nginx:1": repository name must be lowercase/);
    assert.match(err.message, /\$\.spec\.containers\[1\]\.image in Pod p \(document 0\): invalid image reference "": reference is empty/);
    assert.match(err.message, /\$\.spec\.containers\[2\]\.image .*invalid digest "sha256:abc"/);
    return true;
  });
});

test('ignored images are left alone, even when they are not valid references', () => {
  const text = 'kind: Pod\nspec:\n  containers:\n    - image: LOCAL/Thing\n    - image: nginx\n';
  const stream = parseManifestStream(text);
  const found = findImages(stream, parseImageRules(undefined, 'r', 'k8s'), { ignore: /^LOCAL\// });
  assert.deepEqual(found.map(summary), ['0 Pod / $.spec.containers[1].image nginx']);
});

test('-ignore also matches the Go tool\'s normalised name (index.docker.io/library/busybox:latest for busybox)', () => {
  const text = 'kind: Pod\nspec:\n  containers:\n    - image: busybox\n    - image: docker.io/library/busybox:1.36\n    - image: quay.io/busybox\n';
  const found = findImages(parseManifestStream(text), parseImageRules(undefined, 'r', 'k8s'), { ignore: /^index\.docker\.io\/library\/busybox:latest$/ });
  assert.deepEqual(found.map(summary), [
    '0 Pod / $.spec.containers[1].image docker.io/library/busybox:1.36',
    '0 Pod / $.spec.containers[2].image quay.io/busybox',
  ]);
  const asWritten = findImages(parseManifestStream(text), parseImageRules(undefined, 'r', 'k8s'), { ignore: /^busybox$/ });
  assert.equal(asWritten.length, 2);
});

test('-input yaml: only kind: Raw rules apply, to every document of any shape', () => {
  const rules = `
- kind: Raw
  imageJSONP: ["$.images[*]", "$..image"]
- kind: ^Pod$
  imageJSONP: ["$.spec.other"]
`;
  const text = `images: [nginx:1, "redis:7"]
---
kind: Pod
spec:
  containers:
    - image: not-found-by-builtins-in-raw-mode:1
---
- image: busybox
`;
  assert.deepEqual(imagesIn(text, rules, 'yaml'), [
    '0  / $.images[0] nginx:1',
    '0  / $.images[1] redis:7',
    '1 Pod / $.spec.containers[0].image not-found-by-builtins-in-raw-mode:1',
    '2  / $[0].image busybox',
  ]);
  assert.deepEqual(imagesIn(text, undefined, 'yaml'), []);
});

test('non-mapping and non-Kubernetes documents pass through with no images', () => {
  assert.deepEqual(imagesIn('- a\n- b\n---\nscalar\n---\nfoo: {image: x}\n'), []);
});

const BAD_RULES: readonly [string, RegExp][] = [
  ['- kind: "(?=x)"\n  imageJSONP: ["$.a"]\n', /invalid regexp "\(\?=x\)" for the kind of rule 1 .*lookaround/],
  ['- kind: ^A$\n  apiVersion: "[v1"\n  imageJSONP: ["$.a"]\n', /invalid regexp "\[v1" for the apiVersion of rule 1/],
  ['- kind: ^A$\n  imageJSONP: ["spec.image"]\n', /rule 1 \(kind \^A\$\) in rules\.yaml: invalid JSONPath "spec\.image"/],
  ['- kind: ^A$\n  imageJSONP: ["$.spec["]\n', /invalid JSONPath "\$\.spec\["/],
  ['- kind: ^A$\n  imageJsonPath: ["$.a"]\n', /rule 1: unknown field "imageJsonPath"/],
  ['kind: ^A$\n', /want a YAML list of rules, got a mapping/],
  ['- kind: [A]\n', /kind must be a string/],
  ['- kind: A\n  imageJSONP: "$.a"\n', /imageJSONP must be a list/],
  ['- kind: A\n  imageJSONP: [\n', /invalid YAML/],
];

for (const [rules, message] of BAD_RULES) {
  test(`bad rules file is a usage error: ${JSON.stringify(rules.slice(0, 40))}`, () => {
    assert.throws(() => parseImageRules(rules, 'rules.yaml', 'k8s'), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, message);
      return true;
    });
  });
}

test('rule field names match case-insensitively, like the Go tool', () => {
  const rules = parseImageRules('- Kind: ^Widget$\n  APIVERSION: example\n  imagejsonp: ["$.spec.image"]\n', 'r', 'k8s');
  assert.equal(rules.rules.length, 4);
  assert.ok(!(rules instanceof RulesConfigError));
});

test("each occurrence names the chart template: Helm 3's # Source: comment, else Helm 4's postrender-filename annotation", () => {
  const text = `---
# Source: shop/templates/web.yaml
# a second comment
kind: Pod
metadata: {name: web}
spec: {containers: [{image: nginx:1.27}]}
---
kind: Pod
metadata:
  name: api
  annotations:
    postrenderer.helm.sh/postrender-filename: 'shop/charts/api/templates/pod.yaml'
spec: {containers: [{image: nginx:1.27}]}
---
kind: Pod
metadata: {name: plain}
# Source: not/at/the/head.yaml
spec: {containers: [{image: nginx:1.27}]}
`;
  const sources = findImages(parseManifestStream(text), parseImageRules(undefined, 'rules.yaml', 'k8s')).map((o) => o.source);
  assert.deepEqual(sources, ['shop/templates/web.yaml', 'shop/charts/api/templates/pod.yaml', undefined]);
  const bad = text.replace('image: nginx:1.27}]}\n---', 'image: NGINX}]}\n---');
  assert.throws(() => findImages(parseManifestStream(bad), parseImageRules(undefined, 'rules.yaml', 'k8s')),
    /\$\.spec\.containers\[0\]\.image in Pod web \(shop\/templates\/web\.yaml, document 0\): invalid image reference "NGINX"/);
});
