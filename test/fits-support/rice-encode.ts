// The encoder lives with the fuzzer, which makes its seed files with it from the compiled package.
export * from '../../packages/core/src/fits/fuzz/rice-encode.js';
