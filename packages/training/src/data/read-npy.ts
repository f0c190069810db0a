import { TrainingDataError } from './training-data-error.js';

export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'float64';
  /** Elements in C (row-major) order, in native byte order. */
  readonly data: Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Reads a NumPy .npy file (format versions 1–3) holding float32 or float64 in C order, either byte order.
 * The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (n, m), }.
 */
export function readNpy(bytes: Uint8Array, options: { file?: string } = {}): NpyArray {
  const { file } = options;
  const fail = (message: string) => new TrainingDataError({ message, code: 'NPY_FORMAT', file });
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length)
    throw fail(`header of ${headerLength} bytes runs past the end of the file (${bytes.length} bytes)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail(`unparsable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw fail('Fortran-ordered arrays are not supported (save with C order)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw fail(`invalid shape (${shapeText})`);
  const match = /^([<>|=])f([48])$/.exec(descr);
  if (!match) throw fail(`unsupported dtype '${descr}' (only float32 '<f4'/'>f4' and float64 '<f8'/'>f8')`);
  const littleEndian = match[1] !== '>';
  const itemSize = Number(match[2]);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (dataStart + count * itemSize > bytes.length) {
    throw fail(`shape (${shape.join(', ')}) needs ${count * itemSize} data bytes, the file holds ${bytes.length - dataStart}`);
  }
  const data = itemSize === 4 ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = itemSize === 4 ? view.getFloat32(dataStart + 4 * i, littleEndian) : view.getFloat64(dataStart + 8 * i, littleEndian);
  }
  return { shape, dtype: itemSize === 4 ? 'float32' : 'float64', data };
}
