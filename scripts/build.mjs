// Bundles the CLI with esbuild. Type checking is `npm run typecheck`; this only transpiles.
//
//   node scripts/build.mjs         dist/: the npm package's code (ES modules)
//   node scripts/build.mjs --sea   dist/sea/reimage.cjs too: one CommonJS script for the single executable
//
// Every dependency is bundled, so a run reads no file from node_modules; only google-auth-library
// (application default credentials, loaded when a Google feature runs without a token file) stays
// an optional external. The npm build has an entry module plus chunks loaded only when a run needs
// them (registry, pipeline, vulnerability and attestation code); `yaml` and `jsonpath-rfc9535` are
// evaluated on first use either way. The version and the git commit are written in at build time.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
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
 * lazy-deps.ts loads `yaml` and `jsonpath-rfc9535` with a require() made by createRequire, which
 * reads node_modules. Inside the bundle, require() must be esbuild's own, so that the packages are
 * bundled and still evaluated only on first use.
 */
const bundledRequire = {
  name: 'bundled-require',
  setup(b) {
    b.onLoad({ filter: /src\/manifests\/lazy-deps\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(/^const require = createRequire\(import\.meta\.url\);$/m, '');
      if (contents === source) throw new Error('lazy-deps.ts no longer defines require with createRequire');
      return { contents, loader: 'ts' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['google-auth-library'],
  plugins: [bundledRequire],
  define: {
    REIMAGE_VERSION: JSON.stringify(pkg.version),
    REIMAGE_COMMIT: JSON.stringify(gitCommit()),
  },
  legalComments: 'none',
  logLevel: 'warning',
};

const outdir = `${root}dist/`;
rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { reimage: `${root}src/cli/bin.ts` },
  outdir,
  splitting: true,
  format: 'esm',
  sourcemap: true,
  // The bundled CommonJS packages require() Node's built-in modules, which an ES module has no
  // require() for.
  banner: { js: "import { createRequire as __reimageCreateRequire } from 'node:module'; const require = __reimageCreateRequire(import.meta.url);" },
  define: { ...common.define, REIMAGE_SEA: 'false' },
});

if (process.argv.includes('--sea')) {
  await build({
    ...common,
    entryPoints: [`${root}src/cli/bin.ts`],
    outfile: `${outdir}sea/reimage.cjs`,
    format: 'cjs',
    target: 'node24',
    define: { ...common.define, REIMAGE_SEA: 'true' },
  });
}
