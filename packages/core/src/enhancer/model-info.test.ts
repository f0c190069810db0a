import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readEnhanceModelInfo } from './model-info.js';
import { readOnnxModelSummary } from './onnx-model-summary.js';

// An independent encoder: the ONNX protobuf schema compiled by protobufjs.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');

function model(metadata: Record<string, string>, convCount: number, producerName = 'test') {
  const node = (opType: string, index: number) => onnx.NodeProto.create({ opType, input: [`t${index}`], output: [`t${index + 1}`] });
  const nodes = Array.from({ length: convCount }, (_, i) => node(i % 2 ? 'Conv' : 'Relu', i)).concat(
    Array.from({ length: convCount }, (_, i) => node('Conv', convCount + i)),
  );
  const weights = onnx.TensorProto.create({ name: 'w', dims: [1000], dataType: 1, rawData: new Uint8Array(4000).fill(7) });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName,
      graph: onnx.GraphProto.create({ name: 'g', node: nodes, initializer: [weights] }),
      metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    }),
  ).finish();
}

describe('readOnnxModelSummary', () => {
  it('reads metadata, producer and Conv count from the wire format', () => {
    const bytes = model({ kind: 'blos', 'unicode ±': 'µ G/1000' }, 6, 'builder');
    expect(readOnnxModelSummary(bytes)).toEqual({
      producerName: 'builder',
      metadata: { kind: 'blos', 'unicode ±': 'µ G/1000' },
      convNodeCount: 6 + 3,
    });
  });

  it('rejects bytes that are not an ONNX model, naming the file', () => {
    expect(() => readOnnxModelSummary(new TextEncoder().encode('SIMPLE  =                    T'), 'x.fits')).toThrow(
      /^x\.fits: not an ONNX model \(30 bytes\)/,
    );
    const truncated = model({ kind: 'blos' }, 2).subarray(0, 50);
    expect(() => readOnnxModelSummary(truncated, 'cut.onnx')).toThrow(/cut\.onnx: not an ONNX model \(50 bytes\): .*runs past the end/);
  });
});

describe('readEnhanceModelInfo', () => {
  it('interprets the Enhance metadata keys', () => {
    const info = readEnhanceModelInfo(
      model(
        {
          kind: 'intensity',
          units: 'I/quiet-Sun',
          depth: '5',
          filters: '64',
          receptive_field: '26',
          flops_per_pixel: '1107584',
          weights: 'trained 5000 steps',
        },
        4,
      ),
      'm.onnx',
    );
    expect(info).toMatchObject({
      source: 'm.onnx',
      kind: 'intensity',
      units: 'I/quiet-Sun',
      depth: 5,
      filters: 64,
      receptiveFieldRadius: 13,
      receptiveFieldFrom: 'metadata',
      flopsPerPixel: 1_107_584,
      trained: true,
    });
  });

  it('marks random weights as untrained and falls back to the Conv count for the context radius', () => {
    const info = readEnhanceModelInfo(model({ kind: 'other', weights: 'untrained-he-init seed=3' }, 6), 'r.onnx');
    expect(info.kind).toBeUndefined();
    expect(info.trained).toBe(false);
    expect(info.receptiveFieldRadius).toBe(9);
    expect(info.receptiveFieldFrom).toBe('conv-count');
  });

  it('turns a receptive-field width into a radius, and takes a radius as given', () => {
    const radius = (metadata: Record<string, string>) => readEnhanceModelInfo(model(metadata, 1), 'w.onnx').receptiveFieldRadius;
    expect(radius({ receptive_field: '27x27' })).toBe(13);
    expect(radius({ receptive_field: '10' })).toBe(5); // lite: 1 + 4 convs × 2 + one ×2 conv × 2/2 → ±4.5 px
    expect(radius({ receptive_field_radius: '7', receptive_field: '99' })).toBe(7);
  });

  it("honours trained = 'false'", () => {
    expect(readEnhanceModelInfo(model({ trained: 'false', weights: 'unspecified' }, 1), 't.onnx').trained).toBe(false);
    expect(readEnhanceModelInfo(model({ trained: 'true', weights: 'trained 300 steps' }, 1), 't.onnx').trained).toBe(true);
  });
});
