import { FitsError } from './fits-error.js';
import { integerKeyword, type KeywordContext, keywordError } from './keyword-checks.js';

/** One column of a FITS binary table, as far as reading tile-compressed images needs. */
export interface BinaryTableColumn {
  /** Field number n of its TTYPEn and TFORMn cards (1-based). */
  readonly field: number;
  readonly name: string;
  /** TFORM type letter (for P/Q descriptors: the element type). */
  readonly type: string;
  readonly repeat: number;
  /** 'P' or 'Q' for variable-length array descriptors, undefined for fixed columns. */
  readonly descriptor: 'P' | 'Q' | undefined;
  /** Byte offset of the field within a row. */
  readonly offset: number;
}

const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  L: 1,
  B: 1,
  A: 1,
  I: 2,
  J: 4,
  K: 8,
  E: 4,
  D: 8,
  C: 8,
  M: 16,
};

const TFORM_PATTERN = /^\s*(\d*)([LXBIJKAEDCMPQ])([LXBIJKAEDCM]?)/i;

/** Layout of a binary table: row width, row count, heap position and the columns. */
export interface BinaryTableLayout {
  readonly rowBytes: number;
  readonly rows: number;
  /** Offset of the heap from the start of the data unit. */
  readonly heapOffset: number;
  readonly columns: readonly BinaryTableColumn[];
}

/**
 * Reads and checks the layout: TFIELDS within 0–999, every TFORMn a column format with an integer
 * repeat count, the fields adding up to NAXIS1 as the standard requires, and THEAP (already checked
 * by the HDU walk) locating the heap within the data unit.
 */
export function binaryTableLayout(context: KeywordContext): BinaryTableLayout {
  const { header, where, file } = context;
  const rowBytes = integerKeyword(context, 'NAXIS1', { min: 0 });
  const rows = integerKeyword(context, 'NAXIS2', { min: 0 });
  const fields = integerKeyword(context, 'TFIELDS', { min: 0, max: 999 });
  const columns: BinaryTableColumn[] = [];
  let offset = 0;
  for (let n = 1; n <= fields; n += 1) {
    const tform = header.getString(`TFORM${n}`) ?? '';
    const match = TFORM_PATTERN.exec(tform);
    if (!match) {
      throw new FitsError({
        code: 'FITS_BAD_HEADER',
        file,
        message: `${where}: TFORM${n} = '${tform}' is not a binary table column format`,
        details: { hdu: context.hdu, key: `TFORM${n}`, value: tform },
      });
    }
    const repeat = match[1] === '' ? 1 : Number(match[1]);
    const letter = match[2].toUpperCase();
    const descriptor = letter === 'P' || letter === 'Q' ? letter : undefined;
    const type = descriptor ? (match[3] || 'B').toUpperCase() : letter;
    const width =
      descriptor === 'P'
        ? 8 * repeat
        : descriptor === 'Q'
          ? 16 * repeat
          : letter === 'X'
            ? Math.ceil(repeat / 8)
            : repeat * ELEMENT_BYTES[letter];
    const name = (header.getString(`TTYPE${n}`) ?? '').trim().toUpperCase();
    columns.push({ field: n, name, type, repeat, descriptor, offset });
    offset += width;
  }
  if (offset !== rowBytes) {
    throw keywordError(
      context,
      'NAXIS1',
      fields === 0 ? '0, as TFIELDS = 0' : `${offset}, the row width of ${fields === 1 ? 'TFORM1' : `TFORM1 to TFORM${fields}`}`,
    );
  }
  const heapOffset = integerKeyword(context, 'THEAP', { min: rowBytes * rows, fallback: rowBytes * rows });
  return { rowBytes, rows, heapOffset, columns };
}

/** Reads the first element of a fixed numeric column in a row. */
export function readScalar(view: DataView, position: number, type: string): number {
  switch (type) {
    case 'B':
      return view.getUint8(position);
    case 'I':
      return view.getInt16(position);
    case 'J':
      return view.getInt32(position);
    case 'K':
      return Number(view.getBigInt64(position));
    case 'E':
      return view.getFloat32(position);
    case 'D':
      return view.getFloat64(position);
    default:
      return NaN;
  }
}

/** Reads a variable-length array descriptor: element count and heap offset. */
export function readDescriptor(view: DataView, position: number, kind: 'P' | 'Q'): { count: number; heapOffset: number } {
  if (kind === 'P') return { count: view.getUint32(position), heapOffset: view.getUint32(position + 4) };
  return { count: Number(view.getBigUint64(position)), heapOffset: Number(view.getBigUint64(position + 8)) };
}

export function elementBytes(type: string): number {
  return ELEMENT_BYTES[type] ?? 1;
}
