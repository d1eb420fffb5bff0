// Bundles the CLI with esbuild. Type checking is `npm run typecheck`; this only transpiles.
//
// dist/reimage.cjs is the whole CLI in one CommonJS script: bin/reimage loads it, and the single
// executable (scripts/build-sea.mjs) is made from it, as a SEA's main script must be CommonJS.
// Every dependency is bundled, so a run reads no file from node_modules; only google-auth-library
// (application default credentials, loaded when a Google feature runs without a token file) stays
// an optional external. The code a run may not need (registry, pipeline, vulnerability and
// attestation code, `yaml`, `jsonpath-rfc9535`, `re2js`) is parsed but evaluated only on first use.
// CommonJS also loads faster than ES modules: importing a built-in module into an ES module
// builds a facade that reads each of its exports, and node:http's include undici, loaded lazily.
// The version and the git commit are written in at build time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
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
 * 'node:m'` becomes a property read at each use, so a module of getters that require() the real
 * one on first read makes the import lazy, with no change to the source.
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'http', 'https', 'stream', 'stream/promises', 'timers/promises', 'tty', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^node:(${LAZY_BUILTINS.join('|').replaceAll('/', '\\/')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((n) => n !== 'default');
      return {
        contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(args.path)}));\n` +
          names.map((n) => `Object.defineProperty(exports, ${JSON.stringify(n)}, { enumerable: true, get: () => load()[${JSON.stringify(n)}] });`).join('\n'),
        loader: 'js',
      };
    });
  },
};

const outdir = `${root}dist/`;
const result = await build({
  entryPoints: [`${root}src/cli/bin.ts`],
  outfile: `${outdir}reimage.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['google-auth-library'],
  plugins: [bundledRequire, lazyBuiltins],
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
});

/** The licence of every package bundled in, as their licences ask to be kept with copies. */
function thirdPartyLicenses() {
  const packages = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
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
const script = result.outputFiles.find((f) => f.path.endsWith('.cjs'));
const nonAscii = script.contents.findIndex((byte) => byte > 0x7f);
if (nonAscii >= 0) {
  const text = script.text;
  const at = Buffer.from(script.contents.subarray(0, nonAscii)).toString('utf8').length;
  throw new Error(`dist/reimage.cjs must be ASCII; found ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}`);
}

// Each file is written beside its final name and renamed over it, so that a build never leaves a
// half-written script for a reimage that tests (or a user) start meanwhile.
mkdirSync(outdir, { recursive: true });
const outputs = [...result.outputFiles.map((f) => [f.path, f.contents]), [`${outdir}THIRD-PARTY-LICENSES.txt`, thirdPartyLicenses()]];
for (const [path, contents] of outputs) {
  writeFileSync(`${path}.partial`, contents);
  renameSync(`${path}.partial`, path);
}
