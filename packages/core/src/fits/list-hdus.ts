import { BLOCK_LENGTH, CARD_LENGTH } from './fits-card.js';
import { type FitsBitpix, FITS_BITPIX_VALUES, isFitsBitpix } from './decode-image-data.js';
import { FitsError } from './fits-error.js';
import { FitsHeader } from './fits-header.js';
import { hduName, integerKeyword, type IntegerRule, type KeywordContext, keywordError } from './keyword-checks.js';

/** What kind of header-data unit this is: the primary HDU or the XTENSION type. */
export type FitsHduKind = 'primary' | 'image' | 'bintable' | 'table' | 'other';

/** One header-data unit as laid out in the file. */
export interface FitsHduInfo {
  readonly index: number;
  readonly kind: FitsHduKind;
  readonly header: FitsHeader;
  /** Byte offset of the first header card. */
  readonly headerOffset: number;
  /** Byte offset of the data unit. */
  readonly dataOffset: number;
  /** Size of the data unit in bytes, without the padding to whole blocks. */
  readonly dataLength: number;
  /**
   * Image axis lengths, fast axis first (NAXIS1, NAXIS2, ...; ZNAXISn for a tile-compressed
   * image), or undefined when the HDU holds no image.
   */
  readonly imageShape: readonly number[] | undefined;
  /** BITPIX of the image (ZBITPIX for a tile-compressed image), or undefined without an image. */
  readonly bitpix: number | undefined;
  /** ZCMPTYPE of a tile-compressed image (e.g. 'RICE_1'), undefined otherwise. */
  readonly compression: string | undefined;
  /** True when the file ends before this HDU's data does. */
  readonly truncated: boolean;
}

const decoder = new TextDecoder('latin1');

/** Lists the header-data units of a FITS file, with their headers and where their data lies. */
export function listHdus(bytes: Uint8Array, { file }: { file?: string } = {}): FitsHduInfo[] {
  if (bytes.length < CARD_LENGTH || decoder.decode(bytes.subarray(0, 10)) !== 'SIMPLE  = ') {
    const start = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 30))).replace(/[^\x20-\x7e]/g, '.');
    throw new FitsError({
      code: 'FITS_NOT_FITS',
      file,
      message: `not a FITS file: it must begin with "SIMPLE  = T", found "${start}" (${bytes.length} bytes)`,
      details: { start, byteLength: bytes.length },
    });
  }
  const hdus: FitsHduInfo[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (hdus.length > 0 && decoder.decode(bytes.subarray(offset, offset + 10)) !== 'XTENSION= ') break;
    const { header, dataOffset } = readHeaderAt(bytes, offset, hdus.length, file);
    const hdu = describeHdu(header, hdus.length, offset, dataOffset, bytes.length, file);
    hdus.push(hdu);
    offset = dataOffset + Math.ceil(hdu.dataLength / BLOCK_LENGTH) * BLOCK_LENGTH;
  }
  return hdus;
}

function readHeaderAt(
  bytes: Uint8Array,
  headerOffset: number,
  index: number,
  file: string | undefined,
): { header: FitsHeader; dataOffset: number } {
  for (let block = headerOffset; block < bytes.length; block += BLOCK_LENGTH) {
    for (let card = block; card < block + BLOCK_LENGTH && card + 3 <= bytes.length; card += CARD_LENGTH) {
      // 'E', 'N', 'D' followed by blanks (or the end of the file) closes the header.
      if (bytes[card] === 69 && bytes[card + 1] === 78 && bytes[card + 2] === 68) {
        const rest = decoder.decode(bytes.subarray(card + 3, Math.min(card + CARD_LENGTH, bytes.length)));
        if (rest.trim() === '') {
          const header = FitsHeader.parse(decoder.decode(bytes.subarray(headerOffset, card)));
          return { header, dataOffset: block + BLOCK_LENGTH };
        }
      }
    }
  }
  throw new FitsError({
    code: 'FITS_TRUNCATED',
    file,
    message: `the header of HDU ${index} (from byte ${headerOffset}) has no END card before the file ends at byte ${bytes.length}`,
    details: { hdu: index, headerOffset, byteLength: bytes.length },
  });
}

/** What the standard allows for PCOUNT and GCOUNT in each kind of HDU. */
const GROUP_RULES: Readonly<Record<FitsHduKind | 'groups', { pcount: IntegerRule; gcount: IntegerRule }>> = {
  primary: {
    pcount: { min: 0, max: 0, requirement: '0 in a primary HDU without random groups' },
    gcount: { min: 1, max: 1, requirement: '1 in a primary HDU without random groups' },
  },
  groups: { pcount: { min: 0 }, gcount: { min: 0 } },
  image: {
    pcount: { min: 0, max: 0, requirement: '0 in an IMAGE extension' },
    gcount: { min: 1, max: 1, requirement: '1 in an IMAGE extension' },
  },
  bintable: { pcount: { min: 0 }, gcount: { min: 1, max: 1, requirement: '1 in a BINTABLE extension' } },
  table: {
    pcount: { min: 0, max: 0, requirement: '0 in a TABLE extension' },
    gcount: { min: 1, max: 1, requirement: '1 in a TABLE extension' },
  },
  other: { pcount: { min: 0 }, gcount: { min: 0 } },
};

/**
 * Reads the structure of one HDU, refusing what the standard forbids before anything is sized from
 * it: BITPIX outside the six values, NAXIS outside 0–999, negative or fractional NAXISn, PCOUNT,
 * GCOUNT or THEAP, and for a tile-compressed image ZNAXISn that are not positive integers. The data
 * length is then a non-negative integer, so the walk to the next HDU always moves forward.
 */
function describeHdu(
  header: FitsHeader,
  index: number,
  headerOffset: number,
  dataOffset: number,
  fileLength: number,
  file: string | undefined,
): FitsHduInfo {
  const xtension = index === 0 ? undefined : header.getString('XTENSION')?.trim().toUpperCase();
  const kind: FitsHduKind =
    index === 0
      ? 'primary'
      : xtension === 'IMAGE'
        ? 'image'
        : xtension === 'BINTABLE'
          ? 'bintable'
          : xtension === 'TABLE'
            ? 'table'
            : 'other';
  const compressed = kind === 'bintable' && header.get('ZIMAGE') === true;
  const context: KeywordContext = {
    header,
    hdu: index,
    where: hduName(index, header, compressed ? 'tile-compressed image' : undefined),
    file,
  };
  const bitpix = fitsBitpix(context, 'BITPIX');
  const tabular = kind === 'bintable' || kind === 'table';
  const naxis = integerKeyword(
    context,
    'NAXIS',
    tabular ? { min: 2, max: 2, requirement: `2 in a ${xtension} extension` } : { min: 0, max: 999 },
  );
  const axes: number[] = [];
  for (let axis = 1; axis <= naxis; axis += 1) axes.push(integerKeyword(context, `NAXIS${axis}`, { min: 0 }));
  const groups = kind === 'primary' && header.get('GROUPS') === true && axes[0] === 0;
  const rules = GROUP_RULES[groups ? 'groups' : kind];
  const pcount = integerKeyword(context, 'PCOUNT', { ...rules.pcount, fallback: 0 });
  const gcount = integerKeyword(context, 'GCOUNT', { ...rules.gcount, fallback: 1 });
  const product = (lengths: readonly number[]) => lengths.reduce((total, length) => total * length, 1);
  const elements = naxis === 0 ? 0 : product(groups ? axes.slice(1) : axes);
  const dataLength = naxis === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + elements);
  if (kind === 'bintable') {
    const table = axes[0] * axes[1];
    integerKeyword(context, 'THEAP', {
      min: table,
      max: table + pcount,
      fallback: table,
      requirement: `an integer from NAXIS1 × NAXIS2 = ${table} to NAXIS1 × NAXIS2 + PCOUNT = ${table + pcount}`,
    });
  }

  let imageShape: number[] | undefined;
  let imageBitpix: number | undefined;
  let compression: string | undefined;
  if ((kind === 'primary' || kind === 'image') && !groups && naxis > 0 && elements > 0) {
    imageShape = axes;
    imageBitpix = bitpix;
  } else if (compressed) {
    const znaxis = integerKeyword(context, 'ZNAXIS', { min: 1, max: 999 });
    imageShape = [];
    for (let axis = 1; axis <= znaxis; axis += 1) imageShape.push(integerKeyword(context, `ZNAXIS${axis}`, { min: 1 }));
    imageBitpix = fitsBitpix(context, 'ZBITPIX');
    compression = header.getString('ZCMPTYPE')?.trim() ?? '';
  }
  return {
    index,
    kind,
    header,
    headerOffset,
    dataOffset,
    dataLength,
    imageShape,
    bitpix: imageBitpix,
    compression,
    truncated: dataOffset + dataLength > fileLength,
  };
}

function fitsBitpix(context: KeywordContext, key: 'BITPIX' | 'ZBITPIX'): FitsBitpix {
  const value = context.header.get(key);
  if (typeof value === 'number' && isFitsBitpix(value)) return value;
  throw keywordError(
    context,
    key,
    `one of ${FITS_BITPIX_VALUES.join(', ')}`,
    typeof value === 'number' && Number.isInteger(value) ? 'FITS_UNSUPPORTED_BITPIX' : 'FITS_BAD_HEADER',
  );
}
