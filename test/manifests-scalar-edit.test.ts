/**
 * A rewritten image is written as yaml's CST scalar writer would write it, in the scalar's own
 * style, also when reimage writes it without loading yaml (simple values such as most image
 * references): yaml's writer is the oracle here, over values and styles in and out of flow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CST } from 'yaml';
import { plainWouldChangeType } from '../src/manifests/plain-scalar.js';
import { renderScalar } from '../src/manifests/scalar-edit.js';
import type { ScalarLocation } from '../src/manifests/tree.js';

const VALUES = [
  "x y", "a#b", "[x]", "{x}", "a,b", "@x", "x\ny",
  'nginx', 'registry.example.com/team/app:1.2.3', 'registry.example.com:5000/a/b@sha256:' + 'a'.repeat(64),
  '127.0.0.1:5000/imported/app-1:1.1', 'a', '1', '1.2', '1:20', 'true', 'yes', 'null', 'x:', 'x-', '-x', 'x_y',
  'app@x', '0x1f', '1e3', 'on', 'y', 'a/b', 'quay.io/a/b:v1', 'docker.io/library/nginx:1.27-alpine',
];
const ORIGINALS: [ScalarLocation['tokenType'], string][] = [['scalar', 'old/image:1'], ['single-quoted-scalar', "'old/image:1'"], ['double-quoted-scalar', '"old/image:1"']];

test('simple values are written as yaml writes them, in each style, in and out of flow', () => {
  for (const value of VALUES) {
    for (const [tokenType, source] of ORIGINALS) {
      for (const inFlow of [false, true]) {
        const location = { tokenType, inFlow, indent: 4 } as ScalarLocation;
        const token: CST.FlowScalar = { type: tokenType as CST.FlowScalar['type'], offset: 0, indent: 4, source };
        const rendered = renderScalar(source, location, value);
        // A plain value that would read back as another type is quoted (in YAML 1.1 or 1.2).
        CST.setScalarValue(token, value, { inFlow, ...(tokenType === 'scalar' && plainWouldChangeType(value) && { type: 'QUOTE_DOUBLE' as const }) });
        assert.equal(rendered, CST.stringify(token), `${JSON.stringify(value)} as ${tokenType}${inFlow ? ' in flow' : ''}`);
      }
    }
  }
});
