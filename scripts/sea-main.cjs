// The single executable's main script. It runs the CLI bundle (dist/reimage.cjs, an asset of the
// executable) with a V8 code cache made at build time after a training run (scripts/sea-train.cjs),
// so the functions a run calls are not compiled again on every start. Node's own `useCodeCache`
// holds only what V8 compiles before running, and a run then compiles the rest lazily: ~4 ms CPU
// of a ~45 ms -list-images when we measured. A rejected cache only costs that time.
const { getAsset, getRawAsset } = require('node:sea');
const { wrap } = require('node:module');
const vm = require('node:vm');

// The bundle is ASCII (scripts/build.mjs checks), so Latin-1: a plain copy, no UTF-8 decoding.
const script = new vm.Script(wrap(Buffer.from(getRawAsset('reimage.cjs')).toString('latin1')), {
  filename: 'reimage.cjs',
  cachedData: new Uint8Array(getAsset('reimage.cache')),
});
script.runInThisContext()(module.exports, require, module, __filename, __dirname);
