import { BLOCK_LENGTH, CARD_LENGTH } from './fits-card.js';
import { FitsError } from './fits-error.js';
import { FitsHeader } from './fits-header.js';

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

function requireInteger(header: FitsHeader, key: string, index: number, file: string | undefined): number {
  const value = header.get(key);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FitsError({
      code: 'FITS_BAD_HEADER',
      file,
      message: `HDU ${index}: ${key} = ${JSON.stringify(value ?? null)}: expected an integer`,
      details: { hdu: index, key, value },
    });
  }
  return value;
}

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
    index === 0 ? 'primary' : xtension === 'IMAGE' ? 'image' : xtension === 'BINTABLE' ? 'bintable' : xtension === 'TABLE' ? 'table' : 'other';
  const bitpix = requireInteger(header, 'BITPIX', index, file);
  const naxis = requireInteger(header, 'NAXIS', index, file);
  const axes: number[] = [];
  for (let axis = 1; axis <= naxis; axis += 1) axes.push(requireInteger(header, `NAXIS${axis}`, index, file));
  const gcount = header.getNumber('GCOUNT') ?? 1;
  const pcount = header.getNumber('PCOUNT') ?? 0;
  const elements = naxis === 0 ? 0 : axes.reduce((product, length) => product * length, 1);
  const dataLength = naxis === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + elements);

  let imageShape: number[] | undefined;
  let imageBitpix: number | undefined;
  let compression: string | undefined;
  if ((kind === 'primary' || kind === 'image') && naxis > 0 && elements > 0) {
    imageShape = axes;
    imageBitpix = bitpix;
  } else if (kind === 'bintable' && header.get('ZIMAGE') === true) {
    const znaxis = requireInteger(header, 'ZNAXIS', index, file);
    imageShape = [];
    for (let axis = 1; axis <= znaxis; axis += 1) imageShape.push(requireInteger(header, `ZNAXIS${axis}`, index, file));
    imageBitpix = requireInteger(header, 'ZBITPIX', index, file);
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
