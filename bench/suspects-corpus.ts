/**
 * Suspect precision and recall on real manifests: the published manifests in
 * ../shared/fixtures/manifests/ and `helm template` of the charts in ../shared/fixtures/charts/
 * (default values and every ci/*.yaml values file).
 *
 *   node --import tsx bench/suspects-corpus.ts [path/to/helm]
 *
 * Without a Helm binary (argument or HELM), only the manifests are measured. For every string
 * scalar outside image fields it prints:
 *   - each suspect, checked against what may never be one (a URL, a path, a version, host:port);
 *   - every string in args, command or env values that a loose, independent pattern (any
 *     `x.y/…:tag` or `…@sha256:`, or any RELATED_IMAGE_ value) flags but that was not reported:
 *     recall misses, for a person to read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, isMap, isScalar, isSeq, type Node } from 'yaml';
import { parseImageRules, parseManifestStream, searchStream } from '../src/manifests/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = process.env.REIMAGE_SHARED_FIXTURES ?? path.join(root, '../shared/fixtures');
const helm = process.argv[2] ?? process.env.HELM;

/** The corpus: name → stream. */
const corpus = new Map<string, string>();
const manifests = path.join(shared, 'manifests');
for (const f of readdirSync(manifests).filter((f) => f.endsWith('.yaml') && f !== 'rules.yaml')) {
  corpus.set(`manifests/${f}`, readFileSync(path.join(manifests, f), 'utf8'));
}
if (helm) {
  const charts = path.join(shared, 'charts');
  for (const chart of readdirSync(charts).filter((c) => existsSync(path.join(charts, c, 'Chart.yaml')))) {
    const ci = path.join(charts, chart, 'ci');
    const valuesFiles = [undefined, ...(existsSync(ci) ? readdirSync(ci).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(ci, f)) : [])];
    for (const values of valuesFiles) {
      try {
        const out = execFileSync(helm, ['template', 'r', path.join(charts, chart), ...(values ? ['-f', values] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        corpus.set(`helm template ${chart}${values ? ` -f ci/${path.basename(values)}` : ''}`, out);
      } catch {
        console.log(`(helm template ${chart} ${values ?? ''} failed; left out)`);
      }
    }
  }
}

/** Never a suspect: URLs, absolute paths, versions, host:port alone. */
const NEVER = [/:\/\//, /^\//, /^v?\d+(\.\d+)*([-+][\w.]+)?$/, /^[\w.-]+:\d+$/];
/** The loose, independent notion of "an image reference in there". */
const LOOSE = /[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\/[a-z0-9._/-]+(?::[\w.-]+|@sha256:[0-9a-f]{64})/;

/** Strings holding what must never be reported, to show the corpus puts the rule to the test. */
const NEGATIVES = {
  url: /[a-z]+:\/\/\S+/,
  path: /(?:^|\s|=)\/[\w.-]+\//,
  version: /(?:^|[\s=:v])\d+\.\d+(?:\.\d+)?(?:$|[\s,"'])/,
  hostPort: /[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d+(?!\/)/,
} as const;

interface Tally { strings: number; suspects: number; wrong: number; argsEnvFlagged: number; missed: number; anyFlagged: number; anyMissed: number; url: number; path: number; version: number; hostPort: number }
const total: Tally = { strings: 0, suspects: 0, wrong: 0, argsEnvFlagged: 0, missed: 0, anyFlagged: 0, anyMissed: 0, url: 0, path: 0, version: 0, hostPort: 0 };
const rules = parseImageRules(undefined, 'rules', 'k8s');

for (const [name, text] of corpus) {
  const found = searchStream(parseManifestStream(text), rules, { suspects: true });
  const tally: Tally = { strings: 0, suspects: found.suspects.length, wrong: 0, argsEnvFlagged: 0, missed: 0, anyFlagged: 0, anyMissed: 0, url: 0, path: 0, version: 0, hostPort: 0 };
  for (const s of found.suspects) {
    const bad = NEVER.some((re) => re.test(s.image));
    if (bad) tally.wrong++;
    console.log(`  ${bad ? 'WRONG' : 'suspect'} ${name} doc ${s.doc} ${s.kind}/${s.name} ${s.path}${s.span ? ` @${s.span.offset}` : ''}: ${s.image}`);
  }
  const reported = new Set(found.suspects.map((s) => `${s.doc} ${s.path}`));
  const images = new Set(found.images.map((o) => `${o.doc} ${o.path}`));
  // The independent walk: every string scalar; args/command/env values are checked for recall.
  parseAllDocuments(text, { uniqueKeys: false }).forEach((doc, index) => {
    const walk = (node: Node | null | undefined, at: string, inArgsEnv: boolean, envName?: string) => {
      if (isScalar(node)) {
        if (typeof node.value !== 'string') return;
        tally.strings++;
        for (const [kind, re] of Object.entries(NEGATIVES)) if (re.test(node.value)) tally[kind as keyof typeof NEGATIVES]++;
        const key = `${index} ${at}`;
        const flagged = LOOSE.test(node.value) || (envName?.startsWith('RELATED_IMAGE_') ?? false);
        if (flagged && !images.has(key)) {
          tally.anyFlagged++;
          if (!reported.has(key)) {
            tally.anyMissed++;
            if (!inArgsEnv) console.log(`  not reported (outside args/env) ${name} doc ${index} ${at}: ${node.value.slice(0, 200)}`);
          }
        }
        if (inArgsEnv && flagged && !images.has(key)) {
          tally.argsEnvFlagged++;
          if (!reported.has(key)) {
            tally.missed++;
            console.log(`  MISSED ${name} doc ${index} ${at}: ${node.value}`);
          }
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item as Node, `${at}[${i}]`, inArgsEnv));
      } else if (isMap(node)) {
        const nameItem = node.items.find((p) => isScalar(p.key) && p.key.value === 'name');
        const env = isScalar(nameItem?.value) ? String(nameItem.value.value) : undefined;
        for (const pair of node.items) {
          const k = String(isScalar(pair.key) ? pair.key.value : pair.key);
          const sub = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${at}.${k}` : `${at}['${k}']`;
          const argsEnv = inArgsEnv || k === 'args' || k === 'command' || (k === 'value' && env !== undefined);
          walk(pair.value as Node, sub, argsEnv, k === 'value' ? env : undefined);
        }
      }
    };
    walk(doc.contents as Node, '$', false);
  });
  console.log(`${name}: ${tally.strings} strings (with a URL ${tally.url}, a path ${tally.path}, a version ${tally.version}, host:port ${tally.hostPort}), ` +
    `${tally.suspects} suspects (${tally.wrong} wrong), args/env flagged ${tally.argsEnvFlagged}, missed ${tally.missed}; anywhere flagged ${tally.anyFlagged}, not reported ${tally.anyMissed}`);
  for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += tally[k];
}
console.log(`\ntotal: ${corpus.size} streams, ${total.strings} string scalars (with a URL ${total.url}, a path ${total.path}, ` +
  `a version ${total.version}, host:port ${total.hostPort}), ${total.suspects} suspects, ${total.wrong} of them never-suspects ` +
  `(precision ${total.suspects ? (((total.suspects - total.wrong) / total.suspects) * 100).toFixed(0) : '-'}% by that check); ` +
  `args/env strings flagged by the loose pattern ${total.argsEnvFlagged}, not reported ${total.missed}; ` +
  `strings anywhere flagged ${total.anyFlagged}, not reported ${total.anyMissed}`);
