// `@enhance/graph-builder/testing`: what a test of a built graph needs, for this package's tests and for
// the packages that build graphs with it. Runs on onnxruntime-node, which only this subpath needs
// (an optional peer dependency); the main entry never imports it.
export * from './run-onnx.js';
export * from './check-gradients.js';
