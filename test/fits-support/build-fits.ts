// The builders live with the fuzzer, which makes its seed files with them from the compiled package.
export * from '../../packages/core/src/fits/fuzz/build-fits.js';
