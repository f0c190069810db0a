// Runs a model through onnxruntime-node (CPU), an optional peer: only this subpath needs it.
import * as ort from 'onnxruntime-node';
import type { DataType } from '../builder/operand.js';

export interface HostTensor {
  dataType: DataType;
  dims: readonly number[];
  /** Plain numbers, converted to the element type (bools as 0/1). */
  data: ArrayLike<number>;
}

const ORT_TYPES: Record<DataType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int32: 'int32',
  int64: 'int64',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

function toOrt({ dataType, dims, data }: HostTensor): ort.Tensor {
  const values = Array.from(data);
  switch (dataType) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(values), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values), dims);
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(v)),
        dims,
      );
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(values), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(values), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(values), dims);
    default:
      return new ort.Tensor(ORT_TYPES[dataType], Uint16Array.from(values), dims);
  }
}

/**
 * Runs `model` once on the CPU provider and returns every output as float64 numbers with its dims.
 * `optimization: 'disabled'` runs the graph as written (no fusion of Conv and BatchNormalization).
 */
export async function runOnnx(
  model: Uint8Array,
  feeds: Record<string, HostTensor>,
  optimization: 'disabled' | 'all' = 'all',
): Promise<Record<string, { dims: number[]; data: Float64Array; type: string }>> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: optimization });
  try {
    const results = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)])));
    return Object.fromEntries(
      Object.entries(results).map(([name, tensor]) => [
        name,
        {
          dims: [...tensor.dims],
          type: tensor.type,
          data: Float64Array.from(Array.from(tensor.data as ArrayLike<number | bigint | boolean>, (v) => Number(v))),
        },
      ]),
    );
  } finally {
    await session.release();
  }
}
