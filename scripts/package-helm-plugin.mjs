// Builds the Helm 4 plugin tarball without make or a GPG keyring: the same layout as
// `helm plugin package helm-plugin --sign=false` (a top directory named after the plugin), with
// fixed owners and times so a rebuild gives the same bytes. No .prov is made: install with
// `helm plugin install reimage-<version>.tgz --verify=false`, or sign it yourself. Helm takes the
// plugin's directory name from the file name, so it is reimage-<version>.tgz, like npm pack's
// tarball of this package: it goes to its own directory.
// Usage: node scripts/package-helm-plugin.mjs [output directory, default build/helm-plugin]; prints the path.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = new URL('..', import.meta.url).pathname;
const pluginDir = path.join(repo, 'helm-plugin');
const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const pluginYaml = readFileSync(path.join(pluginDir, 'plugin.yaml'), 'utf8');
const name = /^name: *(\S+)$/m.exec(pluginYaml)?.[1];
const pluginVersion = /^version: *(\S+)$/m.exec(pluginYaml)?.[1];
if (pluginVersion !== version) {
  console.error(`helm-plugin/plugin.yaml has version ${pluginVersion}, package.json ${version}: make them equal`);
  process.exit(1);
}
const outDir = path.resolve(process.argv[2] ?? path.join(repo, 'build/helm-plugin'));
mkdirSync(outDir, { recursive: true });
const tarball = path.join(outDir, `${name}-${version}.tgz`);
const stage = mkdtempSync(path.join(tmpdir(), 'reimage-helm-plugin-'));
try {
  cpSync(pluginDir, path.join(stage, name), { recursive: true });
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0',
    '--use-compress-program=gzip -n', '-cf', tarball, '-C', stage, name]);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
console.log(tarball);
