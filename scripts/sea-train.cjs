// Makes the single executable's code cache (see sea-main.cjs): runs the CLI bundle once, compiled
// exactly as sea-main.cjs compiles it, and at exit writes V8's cache of every function compiled by
// then. Run by scripts/build-sea.mjs with the Node.js the executable is made from (a cache is only
// valid for that V8), as: node sea-train.cjs <bundle> <cache file> <reimage arguments…> < input
const { writeFileSync, readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const vm = require('node:vm');

const [bundle, cacheFile, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], bundle, ...args];
const script = new vm.Script(wrap(readFileSync(bundle, 'latin1')), { filename: 'reimage.cjs' });
process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
script.runInThisContext()(module.exports, require, module, bundle, __dirname);
