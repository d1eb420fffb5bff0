/**
 * Mutated Helm-style manifest streams for fuzzing the input side (issue 11): deterministic for a
 * seed. Mutations: byte edits, line duplication and deletion, odd scalars, anchors and aliases,
 * quoting, flow style, deep nesting, long and non-ASCII values, document separators.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ReimageError } from '../../src/errors.js';
import { findImages, parseImageRules, parseManifestStream } from '../../src/manifests/index.js';

const SEEDS = ['helm-chart.yaml', 'tricky.yaml', 'all-kinds.yaml'].map((name) =>
  readFileSync(new URL(`../fixtures/manifests/${name}`, import.meta.url), 'utf8'));

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = [
  '&a ', '*a', '"', "'", '|-\n  x', '>\n  y', '{', '}', '[', ']', ': ', '- ', '#', '\t', '\r\n', '---\n', '...\n',
  '!!str ', '!custom ', '<<: *a\n', 'image: "nginx:1.27"', 'image: nginx@sha256:' + 'a'.repeat(64), 'image: UPPER:1',
  'image: 123', 'image: null', 'image: ', 'é', '\u2028', '\ufeff', '%YAML 1.1\n', '? ', 'image: [a, b]',
];

export function fuzzCases(seed: number, count: number): string[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const cases: string[] = [];
  for (let c = 0; c < count; c++) {
    let text = pick(SEEDS);
    const mutations = 1 + Math.floor(rnd() * 4);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(rnd() * (text.length + 1));
      const lines = text.split('\n');
      const line = Math.floor(rnd() * lines.length);
      switch (Math.floor(rnd() * 8)) {
        case 0: text = text.slice(0, at) + pick(SNIPPETS) + text.slice(at); break;
        case 1: text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 8)); break;
        case 2: lines.splice(line, 0, lines[line] ?? ''); text = lines.join('\n'); break;
        case 3: lines.splice(line, 1); text = lines.join('\n'); break;
        case 4: text = text.replace(/image: (\S+)/, (_, image: string) => `image: ${pick([`"${image}"`, `'${image}'`, `&img ${image}`, `${image}  # c`, `${image}${'x'.repeat(300)}`])}`); break;
        case 5: text = text.replace(/image: \S+/, 'image: *img'); break;
        case 6: text = `${text}\n---\nkind: Pod\nspec: ${'['.repeat(Math.floor(rnd() * 1200))}\n`; break;
        default: text = text.slice(0, at) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + text.slice(at); break;
      }
    }
    cases.push(text);
  }
  return cases;
}

const REWRITTEN = 'registry.example.com/fuzz/app:1';
const rules = parseImageRules(undefined, 'rules', 'k8s');

/**
 * The input side's invariants for one input: it fails with our own error, or it round-trips byte
 * for byte, every image rewrites (or refuses with our error), and the rewritten stream reads back
 * to the rewritten images. Returns whether the input was accepted; throws (assert) otherwise.
 */
export function checkFuzzCase(text: string, fastScan: boolean): boolean {
  let stream;
  let occurrences;
  try {
    stream = parseManifestStream(text, { fastScan });
    assert.equal(stream.toString(), text, 'an unedited stream is the input byte for byte');
    occurrences = findImages(stream, rules);
  } catch (err) {
    if (err instanceof ReimageError && !/call stack|Invalid string/.test(err.message)) return false;
    throw err;
  }
  let rewritten = 0;
  for (const o of occurrences) {
    try {
      o.setImage(REWRITTEN);
      rewritten++;
    } catch (err) {
      if (!(err instanceof ReimageError)) throw err;
    }
  }
  if (rewritten === occurrences.length) {
    const again = findImages(parseManifestStream(stream.toString(), { fastScan: false }), rules);
    assert.equal(again.length, occurrences.length, 'the rewritten stream has as many images');
    assert.ok(again.every((o) => o.image === REWRITTEN), 'every image reads back as rewritten');
  }
  return true;
}
