// What demo.js leaves on the page for the browser tests (test/browser/demo-*.test.ts).
interface Window {
  enhanceDemo: { state: import('../demo/demo.js').DemoState; run(): Promise<void> };
}
