import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createEnhanceModel } from '@enhance/graph-builder';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

/** Parameters of an ONNX model: the elements of its initializers, counted from the protobuf itself. */
function initializerElements(bytes: Uint8Array): number {
  const model = onnx.ModelProto.decode(bytes);
  return (model.graph?.initializer ?? []).reduce((sum, tensor) => sum + (tensor.dims ?? []).reduce((n, d) => n * Number(d), 1), 0);
}

const count = (n: number) => n.toLocaleString('en-US');

describe('README: the parameter counts say which is which', () => {
  it('names the count with batch normalisation and the shipped, folded count', () => {
    const shipped = ['intensity', 'blos'].map((kind) =>
      initializerElements(new Uint8Array(readFileSync(new URL(`../models/enhance-${kind}.onnx`, import.meta.url)))),
    );
    expect(shipped[0]).toBe(shipped[1]);
    const unfolded = initializerElements(createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1 }));
    const folded = initializerElements(createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1, foldBatchNorm: true }));
    expect(folded).toBe(shipped[0]);
    // 11 batch normalisations of 64 channels, 4 numbers each (scale, bias, mean, variance), fold away.
    expect(unfolded - folded).toBe(11 * 4 * 64);
    expect(readme).toContain(
      `${count(unfolded)} parameters with batch normalisation, ${count(shipped[0])} with it folded into the convolutions, as shipped`,
    );
  });
});
