// Bundles the CLI with esbuild. Type checking is `npm run typecheck`; this only transpiles.
//
// The CLI is CommonJS scripts (see LAZY_SCRIPTS): dist/reimage.cjs, which bin/reimage loads and
// the single executable (scripts/build-sea.mjs) runs, as a SEA's main script must be CommonJS,
// and the scripts it loads on first use. Every dependency is bundled, so a run reads no file from
// node_modules; only google-auth-library (application default credentials, loaded when a Google
// feature runs without a token file) stays an optional external. Inside a script, code a run may
// not need is parsed but evaluated only on first use. CommonJS also loads faster than ES modules:
// importing a built-in module into an ES module builds a facade that reads each of its exports,
// and node:http's include undici, loaded lazily. The version and the git commit are written in at
// build time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

/** The checkout's commit, with `-dirty` for uncommitted changes; empty outside a git checkout. */
function gitCommit() {
  const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    // Only this package's own checkout: a copy unpacked inside another repository has no commit of ours.
    if (git('rev-parse', '--show-toplevel') !== root.replace(/\/$/, '')) return '';
    return git('rev-parse', '--short=12', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : '');
  } catch {
    return '';
  }
}

/**
 * lazy-deps.ts (`yaml`, `jsonpath-rfc9535`), regexp.ts (`re2js`) and google-auth.ts (the external
 * `google-auth-library`) load packages with a require() made by createRequire, which reads
 * node_modules. Inside the bundle, require() must be esbuild's own, so that the packages are
 * bundled and still evaluated only on first use (and the external is left to Node's require).
 */
const bundledRequire = {
  name: 'bundled-require',
  setup(b) {
    b.onLoad({ filter: /src\/(manifests\/lazy-deps|regexp|gcp\/google-auth)\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(/^const require = createRequire\(import\.meta\.url\);$/m, '');
      if (contents === source) throw new Error(`${args.path} no longer defines require with createRequire`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Built-in modules that a run may not need, loaded on first use: node:crypto alone takes longer to
 * load than all the rest of a `-list-images` run. In the CommonJS output, `import { x } from
 * 'node:m'` becomes a property read at each use, so a module whose properties require() the real
 * one on first read makes the import lazy, with no change to the source. Its properties come from
 * a Proxy prototype: esbuild copies a module's own properties into each importer's view of it,
 * and defining a getter per export (node:crypto has ~90) for each importer showed in start-up.
 * `__esModule` is the one name esbuild reads when importing: it must not load the module.
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'http', 'https', 'os', 'stream', 'stream/promises', 'timers/promises', 'tty', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^node:(${LAZY_BUILTINS.join('|').replaceAll('/', '\\/')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let m;\nmodule.exports = Object.create(new Proxy({}, { get: (_, name) => (name === '__esModule' ? undefined : (m ??= require(${JSON.stringify(args.path)}))[name]) }));\n`,
      loader: 'js',
    }));
  },
};

/**
 * The CLI is several scripts. dist/reimage.cjs holds what every run needs: flags, settings, reading
 * the stream and finding its images, enough for `-list-images` of a Helm-style stream. The rest is
 * in LAZY_SCRIPTS, each loaded on first use: as one script, reading and deserialising it all took
 * ~2.5 ms of a ~12 ms `-list-images` on Node.js 24, and the gate (a warm run) does not need the
 * packages.
 *
 * No module is in two scripts (the build checks this): a lazy script reaches the others' modules
 * as `require('reimage:core/<file>')`, answered by the main script, so a class such as
 * ReimageError is one class and `instanceof` holds. The main script compiles a lazy script
 * through `require('reimage:compile')` when its launcher provides it (bin/reimage and the single
 * executable compile it with a code cache), else by itself.
 */
const LAZY_SCRIPTS = [
  // Packages loaded on first use (lazy-deps.ts, regexp.ts). Built before the gate, so that a
  // package the gate imported too would be found in two scripts, not quietly copied.
  { name: 'reimage-yaml', specifiers: /^yaml$/ },
  { name: 'reimage-jsonpath', specifiers: /^jsonpath-rfc9535$|^(\.\.\/)+node_modules\/jsonpath-rfc9535\// },
  { name: 'reimage-re2js', specifiers: /^re2js$/ },
  // The gate's entry points: dynamic imports in main.ts.
  { name: 'reimage-gate', specifiers: /^\.\/(gate|show-referrers)\.js$/ },
];

const options = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['google-auth-library'],
  define: {
    REIMAGE_VERSION: JSON.stringify(pkg.version),
    REIMAGE_COMMIT: JSON.stringify(gitCommit()),
  },
  sourcemap: true,
  // Whitespace and syntax only (names are kept for stack traces): start-up parses the whole script,
  // and a smaller one parses faster.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  write: false,
  logLevel: 'warning',
};

/** The files (root-relative) a build bundled; virtual modules aside. */
const bundledFiles = (result) => Object.keys(result.metafile.inputs).filter((input) => !input.includes(':'));

/** Resolves an import as esbuild would without the calling plugin; undefined for an external or a built-in. */
async function resolvedFile(b, args, plugin) {
  if (args.pluginData?.[plugin] || args.path.startsWith('node:')) return undefined;
  const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { [plugin]: true } });
  if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return undefined;
  return path.relative(root, resolved.path);
}

/** Which script has each module a lazy script's entry gives (the main script's loader reads it). */
const lazyEntries = new Map();
/** The main script's modules that the lazy scripts use. */
const exported = new Set();

/**
 * The main script: specifiers of LAZY_SCRIPTS become modules of those scripts, through
 * `reimage-modules`, the function from a file to its module that also answers the lazy scripts'
 * `reimage:core/<file>` (its main-script cases are filled in on the second build).
 */
const mainScriptPlugin = {
  name: 'main-script',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      const lazy = LAZY_SCRIPTS.find((s) => s.specifiers.test(args.path));
      const file = lazy && (await resolvedFile(b, args, 'main-script'));
      if (!file) return undefined;
      lazyEntries.set(file, lazy.name);
      return { path: file, namespace: 'lazy-module' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => ({ loader: 'js', resolveDir: root, contents: `module.exports = require("reimage-modules")(${JSON.stringify(args.path)});` }));
    b.onResolve({ filter: /^reimage-modules$/ }, (args) => ({ path: args.path, namespace: 'main-script' }));
    b.onLoad({ filter: /.*/, namespace: 'main-script' }, () => ({ loader: 'js', resolveDir: root, contents: `
const { readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const LAZY = ${JSON.stringify(Object.fromEntries([...lazyEntries].sort()))};
const loaded = new Map();
function load(name) {
  const file = join(__dirname, name + '.cjs');
  let compile;
  try {
    compile = require('reimage:compile');
  } catch {
    // Run without a launcher of ours: no code cache.
  }
  const script = compile ? compile(file) : new Script(wrap(readFileSync(file, 'latin1')), { filename: file });
  const m = { exports: {} };
  const scriptRequire = Object.assign((id) => (id.startsWith('reimage:core/') ? modules(id.slice(13)) : require(id)), require);
  script.runInThisContext()(m.exports, scriptRequire, m, file, __dirname);
  return m.exports;
}
const byFile = new Map();
function modules(file) {
  if (!byFile.has(file)) byFile.set(file, moduleOf(file));
  return byFile.get(file);
}
function moduleOf(file) {
  switch (file) {
${[...exported].sort().map((f) => `    case ${JSON.stringify(f)}: return require(${JSON.stringify(`./${f}`)});\n`).join('')}  }
  const name = LAZY[file];
  if (!name) throw new Error('reimage.cjs has no module ' + file);
  if (!loaded.has(name)) loaded.set(name, load(name));
  return loaded.get(name)[file];
}
module.exports = modules;
` }));
  },
};

/** A lazy script: its entry gives each of its entry files on first use; other scripts' files are `reimage:core/<file>`. */
function lazyScriptPlugin(name, owner) {
  return {
    name: 'lazy-script',
    setup(b) {
      b.onResolve({ filter: /^reimage-entry$/ }, () => ({ path: 'entry', namespace: 'lazy-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-entry' }, () => ({
        loader: 'js',
        resolveDir: root,
        contents: [...lazyEntries].filter(([, n]) => n === name).map(([f]) => f).sort()
          .map((f) => `Object.defineProperty(exports, ${JSON.stringify(f)}, { enumerable: true, get: () => require(${JSON.stringify(`./${f}`)}) });`).join('\n'),
      }));
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === 'lazy-entry') return undefined;
        const file = await resolvedFile(b, args, 'lazy-script');
        const other = file && owner.get(file);
        if (!other) return undefined;
        if (other === 'reimage') exported.add(file);
        else if (lazyEntries.get(file) !== other) throw new Error(`${name} imports ${file}, a module ${other} does not give`);
        // An external's named imports are read from it as it is (a module's exports would be copied).
        return { path: `reimage:core/${file}`, external: true };
      });
    },
  };
}

const outdir = `${root}dist/`;
const plugins = (own) => [lazyBuiltins, bundledRequire, own];
const buildMain = () => build({ ...options, entryPoints: [`${root}src/cli/bin.ts`], outfile: `${outdir}reimage.cjs`, plugins: plugins(mainScriptPlugin) });
const firstMain = await buildMain();
/** The script each module is in, by file. */
const owner = new Map(bundledFiles(firstMain).map((f) => [f, 'reimage']));
const lazyResults = [];
for (const { name } of LAZY_SCRIPTS) {
  const result = await build({ ...options, entryPoints: ['reimage-entry'], outfile: `${outdir}${name}.cjs`, plugins: plugins(lazyScriptPlugin(name, owner)) });
  for (const f of bundledFiles(result)) {
    if (owner.has(f)) throw new Error(`${f} is in both ${owner.get(f)} and ${name} (each would have its own copy)`);
    owner.set(f, name);
  }
  lazyResults.push(result);
}
// Again, now that the lazy scripts have said which of its modules they use.
const mainResult = await buildMain();
if (bundledFiles(mainResult).some((f) => owner.get(f) !== 'reimage')) throw new Error('the main script changed between its two builds');

const results = [mainResult, ...lazyResults];

/** The licence of every package bundled in, as their licences ask to be kept with copies. */
function thirdPartyLicenses() {
  const packages = new Set();
  for (const input of results.flatMap((result) => Object.keys(result.metafile.inputs))) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  return [...packages].sort().map((name) => {
    const dir = `${root}node_modules/${name}/`;
    const { version, license } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (!file) throw new Error(`${name} has no licence file to ship with the bundle`);
    return `${name}@${version} (${license})\n\n${readFileSync(`${dir}${file}`, 'utf8').trim()}\n`;
  }).join(`\n${'-'.repeat(72)}\n\n`);
}

// The launchers read the bundle as Latin-1, a plain copy, where UTF-8 decoding took ~1.5 ms of a
// small run; that is only right while it is all ASCII. esbuild escapes other characters except in
// regexp literals: write those with \u escapes.
for (const script of results.flatMap((result) => result.outputFiles).filter((f) => f.path.endsWith('.cjs'))) {
  const nonAscii = script.contents.findIndex((byte) => byte > 0x7f);
  if (nonAscii >= 0) {
    const at = Buffer.from(script.contents.subarray(0, nonAscii)).toString('utf8').length;
    throw new Error(`${path.relative(root, script.path)} must be ASCII; found ${JSON.stringify(script.text.slice(Math.max(0, at - 60), at + 20))}`);
  }
}

// Each file is written beside its final name and renamed over it, so that a build never leaves a
// half-written script for a reimage that tests (or a user) start meanwhile.
mkdirSync(outdir, { recursive: true });
const outputs = [...results.flatMap((result) => result.outputFiles).map((f) => [f.path, f.contents]), [`${outdir}THIRD-PARTY-LICENSES.txt`, thirdPartyLicenses()]];
for (const [file, contents] of outputs) {
  writeFileSync(`${file}.partial`, contents);
  renameSync(`${file}.partial`, file);
}
