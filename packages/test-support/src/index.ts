// @enhance/test-support: what the tests of every package share, never shipped (a private workspace
// package; no package's shipped code may import it). FITS files written by hand, independent oracles
// (fitsjs, fitsverify), images with known answers, seeded draws, the FITS reader's fuzzer, and a local npm
// registry for the consumer-install test.
export * from './error-of.js';
export * from './gaussians.js';
export * from './bundle-node-script.js';
export * from './fits/build-fits.js';
export * from './fits/rice-encode.js';
export * from './fits/fitsjs.js';
export * from './fits/fitsverify.js';
export * from './fits/linear-wcs.js';
export * from './fits/limb-darkened-disk.js';
export * from './fits-fuzz/fuzz-cli-bundle.js';
export { applyMutations, type Mutation } from './fits-fuzz/mutators.js';
export * from './qa-models-folder.js';
export * from './npm-registry/local-npm-registry.js';
