// Bundles the CLI into dist/: one entry module plus lazily loaded chunks (the registry, pipeline,
// vulnerability and attestation code load only when a run needs them), so start-up reads a few
// files instead of dozens. Type checking is `npm run typecheck`; this only transpiles.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = new URL('../dist/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
