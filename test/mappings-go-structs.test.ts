/**
 * A mappings file we write, decoded the way Go's encoding/json decodes it into the v0.15 Go reimage
 * structs (cerbos/reimage reimage.go):
 *
 *   map[string]QualifiedImage
 *   QualifiedImage  { Tag string `json:"tag"`; Digest string `json:"digest"`; VulnCheckResult VulnCheckResult `json:"vulncheckResult"` }
 *   VulnCheckResult { Ignored []CVE; Accepted []CVE; Rejected []RejectedCVE }
 *   CVE             { ID string; CVSS float32; Risk float32; Desc string }
 *   RejectedCVE     { CVE (embedded); Reason string }
 *
 * The decoder follows encoding/json's rules: keys match field names exactly or else
 * case-insensitively, unknown keys are ignored, null leaves the zero value, a JSON value of the
 * wrong kind is an error, embedded struct fields are promoted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeMappings, type MappingEntry } from '../src/mappings/format.js';

type GoType =
  | { kind: 'string' } | { kind: 'float32' }
  | { kind: 'slice'; elem: GoType } | { kind: 'map'; elem: GoType }
  | { kind: 'struct'; fields: Array<{ name: string; json?: string; type: GoType; embedded?: boolean }> };

const string: GoType = { kind: 'string' };
const float32: GoType = { kind: 'float32' };
const CVE: GoType = { kind: 'struct', fields: [{ name: 'ID', type: string }, { name: 'CVSS', type: float32 }, { name: 'Risk', type: float32 }, { name: 'Desc', type: string }] };
const REJECTED_CVE: GoType = { kind: 'struct', fields: [{ name: 'CVE', type: CVE, embedded: true }, { name: 'Reason', type: string }] };
const VULNCHECK_RESULT: GoType = { kind: 'struct', fields: [
  { name: 'Ignored', type: { kind: 'slice', elem: CVE } },
  { name: 'Accepted', type: { kind: 'slice', elem: CVE } },
  { name: 'Rejected', type: { kind: 'slice', elem: REJECTED_CVE } },
] };
const QUALIFIED_IMAGE: GoType = { kind: 'struct', fields: [
  { name: 'Tag', json: 'tag', type: string },
  { name: 'Digest', json: 'digest', type: string },
  { name: 'VulnCheckResult', json: 'vulncheckResult', type: VULNCHECK_RESULT },
] };
const MAPPINGS: GoType = { kind: 'map', elem: QUALIFIED_IMAGE };

type GoValue = string | number | null | GoValue[] | { [k: string]: GoValue };

/** The zero value: "" for strings, 0 for float32, nil for slices and maps, zeroed fields for structs. */
function zero(t: GoType): GoValue {
  switch (t.kind) {
    case 'string': return '';
    case 'float32': return 0;
    case 'slice': case 'map': return null;
    case 'struct': return Object.fromEntries(flatFields(t).map((f) => [f.name, zero(f.type)]));
  }
}

/** Fields with embedded structs' fields promoted, as encoding/json sees them. */
function flatFields(t: Extract<GoType, { kind: 'struct' }>): Array<{ name: string; key: string; type: GoType }> {
  return t.fields.flatMap((f) => (f.embedded && f.type.kind === 'struct' ? flatFields(f.type) : [{ name: f.name, key: f.json ?? f.name, type: f.type }]));
}

function decode(json: unknown, t: GoType, path: string): GoValue {
  if (json === null) return zero(t);
  const wrong = () => new Error(`json: cannot unmarshal ${Array.isArray(json) ? 'array' : typeof json} into Go value of type ${t.kind} at ${path}`);
  switch (t.kind) {
    case 'string':
      if (typeof json !== 'string') throw wrong();
      return json;
    case 'float32':
      if (typeof json !== 'number') throw wrong();
      if (!Number.isFinite(Math.fround(json))) throw new Error(`json: ${json} overflows float32 at ${path}`);
      return Math.fround(json);
    case 'slice':
      if (!Array.isArray(json)) throw wrong();
      return json.map((e, i) => decode(e, t.elem, `${path}[${i}]`));
    case 'map':
      if (typeof json !== 'object' || Array.isArray(json)) throw wrong();
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, decode(v, t.elem, `${path}[${k}]`)]));
    case 'struct': {
      if (typeof json !== 'object' || Array.isArray(json)) throw wrong();
      const out = zero(t) as { [k: string]: GoValue };
      const fields = flatFields(t);
      for (const [key, value] of Object.entries(json as object)) {
        const field = fields.find((f) => f.key === key) ?? fields.find((f) => f.key.toLowerCase() === key.toLowerCase());
        if (field) out[field.name] = decode(value, field.type, `${path}.${field.name}`);
      }
      return out;
    }
  }
}

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('our mappings file, read by the v0.15 Go structs', () => {
  it('decodes with every field in place: scores as float32, descriptions, reasons, nil lists', () => {
    const written = serializeMappings(new Map<string, MappingEntry>([
      ['nginx:1.27', { tag: 'r.example.com/nginx:1', digest: D1, vulncheckResult: {
        Ignored: [{ ID: 'CVE-2019-18224', CVSS: 9.8, Risk: 0.12225000000000001, Desc: 'heap <overflow> & more' }],
        Accepted: [{ ID: 'CVE-2019-1563', CVSS: 3.7, Risk: 0, Desc: '' }],
        Rejected: [{ ID: 'CVE-2019-18276', CVSS: 7.8, Risk: 96.25000000000001, Desc: 'uid', Reason: 'CVSS 7.8 is above the limit 7' }],
      } }],
      ['busybox', { tag: 'r.example.com/busybox:2', digest: D2 }],
    ]));
    const go = decode(JSON.parse(written), MAPPINGS, 'mappings');
    assert.deepEqual(go, {
      busybox: { Tag: 'r.example.com/busybox:2', Digest: D2, VulnCheckResult: { Ignored: null, Accepted: null, Rejected: null } },
      'nginx:1.27': { Tag: 'r.example.com/nginx:1', Digest: D1, VulnCheckResult: {
        Ignored: [{ ID: 'CVE-2019-18224', CVSS: Math.fround(9.8), Risk: Math.fround(0.12225), Desc: 'heap <overflow> & more' }],
        Accepted: [{ ID: 'CVE-2019-1563', CVSS: Math.fround(3.7), Risk: 0, Desc: '' }],
        Rejected: [{ ID: 'CVE-2019-18276', CVSS: Math.fround(7.8), Risk: Math.fround(96.25), Desc: 'uid', Reason: 'CVSS 7.8 is above the limit 7' }],
      } },
    });
    // Scores are written as Go writes a float32: the fewest digits that read back the same.
    assert.match(written, /"Risk":0\.12225,/);
    assert.match(written, /"Risk":96\.25,/);
    // The ≤ v0.12 fields are there for old readers, and unknown to the v0.15 structs (ignored).
    assert.match(written, /"ignoredCVEs":\["CVE-2019-18224:9\.800000"\],"foundCVEs":\["CVE-2019-1563:3\.700000"\]/);
  });

  it('ignores the signature and referrer fields reimage adds', () => {
    const entry = { tag: 'r.example.com/app:1', digest: D1 };
    const withSignatures = serializeMappings(new Map<string, MappingEntry>([['app', { ...entry, signatures: [D2], referrers: [D1], signatureKey: 'cosign.pub' }]]));
    assert.match(withSignatures, /"signatures":\[/);
    assert.deepEqual(decode(JSON.parse(withSignatures), MAPPINGS, 'mappings'), decode(JSON.parse(serializeMappings(new Map([['app', entry]]))), MAPPINGS, 'mappings'));
  });

  it('the decoder is strict where Go is: a value of the wrong kind is an error', () => {
    assert.throws(() => decode(JSON.parse(`{"a":{"tag":1}}`), MAPPINGS, 'm'), /cannot unmarshal number into Go value of type string/);
    assert.throws(() => decode(JSON.parse(`{"a":{"vulncheckResult":{"Ignored":[{"CVSS":"9"}]}}}`), MAPPINGS, 'm'), /cannot unmarshal string into Go value of type float32/);
  });
});
