// The types of ../../bundle/enhance-web.js, the esbuild bundle of src/bundle-entry.ts, for the demo's
// type check (tsconfig.demo.json).
export * from '../../dist/bundle-entry.js';
