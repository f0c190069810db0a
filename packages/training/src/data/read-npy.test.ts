import { describe, expect, it } from 'vitest';
import { readNpy } from './read-npy.js';
import { TrainingDataError } from './training-data-error.js';

// Builds a .npy file as the format specification describes it: magic, version, little-endian header
// length, a dict literal padded with spaces to a multiple of 64 bytes ending in '\n', then the data.
function npyBytes(descr: string, shape: number[], values: number[], options: { version?: 1 | 2; fortran?: boolean } = {}): Uint8Array {
  const { version = 1, fortran = false } = options;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  while ((prefix + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const itemSize = Number(descr.slice(2));
  const out = new Uint8Array(prefix + dict.length + values.length * itemSize);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  const little = descr[0] !== '>';
  values.forEach((v, i) => {
    const at = prefix + dict.length + i * itemSize;
    if (itemSize === 4) view.setFloat32(at, v, little);
    else view.setFloat64(at, v, little);
  });
  return out;
}

describe('readNpy', () => {
  it('reads little-endian float32 in C order', () => {
    const values = [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7];
    const array = readNpy(npyBytes('<f4', [2, 3], values));
    expect(array.shape).toEqual([2, 3]);
    expect(array.dtype).toBe('float32');
    expect(Array.from(array.data)).toEqual(values.map(Math.fround));
  });

  it('reads big-endian float64 and format version 2', () => {
    const values = [Math.PI, -1e300, 5e-324, 42];
    const array = readNpy(npyBytes('>f8', [4], values, { version: 2 }));
    expect(array.shape).toEqual([4]);
    expect(Array.from(array.data)).toEqual(values);
  });

  it('rejects Fortran order, other dtypes and truncated data, naming the file', () => {
    expect(() => readNpy(npyBytes('<f4', [2, 2], [1, 2, 3, 4], { fortran: true }), { file: 'a.npy' })).toThrow(/a\.npy: Fortran-ordered/);
    const ints = npyBytes('<f4', [2], [1, 2]);
    ints.set(
      [...'<i4'].map((c) => c.charCodeAt(0)),
      21,
    );
    expect(() => readNpy(ints)).toThrow(/unsupported dtype '<i4'/);
    const full = npyBytes('<f8', [3], [1, 2, 3]);
    const error = (() => {
      try {
        readNpy(full.subarray(0, full.length - 8), { file: 'b.npy' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TrainingDataError);
    expect((error as TrainingDataError).code).toBe('NPY_FORMAT');
    expect((error as Error).message).toMatch(/needs 24 data bytes, the file holds 16/);
    expect(() => readNpy(new Uint8Array(20))).toThrow(/magic/);
  });
});
