// The single executable's main script. It runs the CLI bundle (dist/reimage.cjs, an asset of the
// executable) with a V8 code cache made at build time after training runs (scripts/sea-train.cjs),
// so the functions a run calls are not compiled again on every start. Node's own `useCodeCache`
// holds only what V8 compiles before running, and a run then compiles the rest lazily: ~4 ms CPU
// of a ~45 ms -list-images when we measured. A rejected cache only costs that time. The scripts
// that the bundle loads on first use (dist/reimage-*.cjs, see scripts/build.mjs) are assets too,
// each with its cache, and compiled here through `require('reimage:compile')`.
const { getAsset, getRawAsset } = require('node:sea');
const { wrap } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** The asset named after `file` (ASCII, see scripts/build.mjs, so Latin-1: a plain copy, no UTF-8 decoding), with its cache. */
function compile(file) {
  const name = path.basename(file);
  return new vm.Script(wrap(Buffer.from(getRawAsset(name)).toString('latin1')), {
    filename: name,
    cachedData: new Uint8Array(getAsset(name.replace(/\.cjs$/, '.cache'))),
  });
}

const seaRequire = Object.assign((id) => (id === 'reimage:compile' ? compile : require(id)), require);
compile('reimage.cjs').runInThisContext()(module.exports, seaRequire, module, __filename, __dirname);
