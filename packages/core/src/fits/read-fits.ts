import type { SolarImage } from '../image/solar-image.js';
import { decodeCompressedImage, planCompressedImage } from './decode-compressed-image.js';
import { decodeImageData, type FitsBitpix } from './decode-image-data.js';
import { FitsError } from './fits-error.js';
import { FitsHeader } from './fits-header.js';
import { finiteKeyword, hduName, type KeywordContext, optionalIntegerKeyword } from './keyword-checks.js';
import { type FitsHduInfo, listHdus } from './list-hdus.js';

/** Numeric type of the decoded pixels. */
export type FitsPrecision = 'float32' | 'float64';

export interface ReadFitsOptions {
  /** Named in error messages. */
  file?: string;
  /** Which HDU to read (0 = primary); default: the first HDU holding a 2-D image. */
  hdu?: number;
  /** 'float32' (default) gives a SolarImage; 'float64' keeps full precision for BITPIX 32/64/−64. */
  precision?: FitsPrecision;
}

/** A decoded image with the HDU it came from and its BITPIX as stored (ZBITPIX when compressed). */
export interface FitsImage extends SolarImage {
  readonly hdu: number;
  readonly bitpix: FitsBitpix;
}

/** Like FitsImage, with float64 pixels. */
export interface FitsImageFloat64 extends Omit<FitsImage, 'data'> {
  readonly data: Float64Array;
}

/** Keywords that describe a tile-compressed HDU's table or compression, not the image it holds. */
export const COMPRESSION_STRUCTURE_KEYS: RegExp =
  /^(XTENSION|SIMPLE|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|THEAP|EXTEND|(TTYPE|TFORM|TUNIT|TNULL|TSCAL|TZERO|TDIM|TDISP)\d+|ZIMAGE|ZSIMPLE|ZTENSION|ZEXTEND|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZCMPTYPE|ZNAME\d+|ZVAL\d+|ZQUANTIZ|ZDITHER0|ZMASKCMP|ZPCOUNT|ZGCOUNT|ZBLANK|ZSCALE|ZZERO|ZHECKSUM|ZDATASUM|CHECKSUM|DATASUM)$/;

/**
 * Reads a 2-D image from a FITS file: plain images of any BITPIX (BSCALE/BZERO applied, BLANK → NaN)
 * or tile-compressed images (RICE_1, GZIP_1, GZIP_2). Uses only Uint8Array/DataView/TextDecoder, so it runs in
 * browsers as in Node.
 */
export function readFits(bytes: Uint8Array, options?: ReadFitsOptions & { precision?: 'float32' }): FitsImage;
export function readFits(bytes: Uint8Array, options: ReadFitsOptions & { precision: 'float64' }): FitsImageFloat64;
export function readFits(bytes: Uint8Array, options: ReadFitsOptions = {}): FitsImage | FitsImageFloat64 {
  const { file, precision = 'float32' } = options;
  const hdus = listHdus(bytes, { file });
  const hdu = selectImageHdu(hdus, options.hdu, file);
  const shape = hdu.imageShape as readonly number[];
  const [width, height] = shape;
  const bitpix = hdu.bitpix as FitsBitpix;
  const context: KeywordContext = { header: hdu.header, hdu: hdu.index, where: hduName(hdu.index, hdu.header), file };
  if (hdu.truncated) {
    const axes = Array.from({ length: Number(hdu.header.get('NAXIS')) }, (_, axis) => `NAXIS${axis + 1}`);
    const sizeCards = ['BITPIX', ...axes, ...['PCOUNT', 'GCOUNT'].filter((key) => hdu.header.has(key))];
    const sizeText = sizeCards.map((key) => `${key} = ${hdu.header.get(key)}`).join(', ');
    throw new FitsError({
      code: 'FITS_TRUNCATED',
      file,
      message: `${context.where}: the data unit needs ${hdu.dataLength} bytes (${sizeText}) from byte ${hdu.dataOffset} but the file ends at byte ${bytes.length}`,
      details: { hdu: hdu.index, dataOffset: hdu.dataOffset, dataLength: hdu.dataLength, byteLength: bytes.length },
    });
  }

  // Everything is checked before the pixels are allocated: the size is then what the file holds.
  if (hdu.compression !== undefined) {
    const plan = planCompressedImage(bytes, hdu, file);
    const data = precision === 'float64' ? new Float64Array(width * height) : new Float32Array(width * height);
    decodeCompressedImage(plan, data);
    return { data, width, height, header: imageHeaderOfCompressed(hdu), hdu: hdu.index, bitpix } as FitsImage | FitsImageFloat64;
  }
  const scaling = {
    bscale: finiteKeyword(context, 'BSCALE') ?? 1,
    bzero: finiteKeyword(context, 'BZERO') ?? 0,
    // BLANK means nothing for float images (their undefined pixels are NaN already).
    blank: bitpix > 0 ? optionalIntegerKeyword(context, 'BLANK') : undefined,
  };
  const data = precision === 'float64' ? new Float64Array(width * height) : new Float32Array(width * height);
  decodeImageData(bytes.subarray(hdu.dataOffset, hdu.dataOffset + hdu.dataLength), bitpix, width * height, scaling, data);
  return { data, width, height, header: hdu.header, hdu: hdu.index, bitpix } as FitsImage | FitsImageFloat64;
}

/** Axis lengths with trailing length-1 axes dropped: a 512×512×1 cube is a 2-D image. */
function significantAxes(shape: readonly number[]): number[] {
  const axes = [...shape];
  while (axes.length > 2 && axes[axes.length - 1] === 1) axes.pop();
  return axes;
}

function describeShape(shape: readonly number[]): string {
  return shape.join('×');
}

function selectImageHdu(hdus: FitsHduInfo[], requested: number | undefined, file: string | undefined): FitsHduInfo {
  const notTwoD = (hdu: FitsHduInfo): FitsError => {
    const shape = hdu.imageShape as readonly number[];
    const what = shape.length === 3 ? `a ${describeShape(shape)} cube` : `a ${describeShape(shape)} array`;
    return new FitsError({
      code: 'FITS_NOT_2D',
      file,
      message: `HDU ${hdu.index}: NAXIS = ${shape.length} (${what}): expected a 2-D image`,
      details: { hdu: hdu.index, shape: [...shape] },
    });
  };
  if (requested !== undefined) {
    const hdu = hdus[requested];
    if (!Number.isInteger(requested) || !hdu) {
      throw new FitsError({
        code: 'FITS_HDU_OUT_OF_RANGE',
        file,
        message: `HDU ${requested} requested but the file has ${hdus.length} HDU(s), numbered 0 to ${hdus.length - 1}`,
        details: { hdu: requested, count: hdus.length },
      });
    }
    if (!hdu.imageShape) {
      throw new FitsError({
        code: 'FITS_NO_IMAGE',
        file,
        message: `HDU ${requested} (${hdu.kind}) holds no image`,
        details: { hdu: requested, kind: hdu.kind },
      });
    }
    if (significantAxes(hdu.imageShape).length !== 2) throw notTwoD(hdu);
    return hdu;
  }
  const images = hdus.filter((hdu) => hdu.imageShape !== undefined);
  const image = images.find((hdu) => significantAxes(hdu.imageShape as number[]).length === 2);
  if (image) return image;
  if (images.length > 0) throw notTwoD(images[0]);
  const kinds = hdus.map((hdu) => `${hdu.index}: ${hdu.kind}${hdu.kind === 'primary' ? ` NAXIS = ${hdu.header.get('NAXIS')}` : ''}`);
  throw new FitsError({
    code: 'FITS_NO_IMAGE',
    file,
    message: `no HDU holds an image (${kinds.join('; ')})`,
    details: { hdus: kinds },
  });
}

/** The header a tile-compressed HDU stands for: image BITPIX/NAXISn, then its own keywords. */
function imageHeaderOfCompressed(hdu: FitsHduInfo): FitsHeader {
  const shape = hdu.imageShape as readonly number[];
  const structure = [
    { key: 'BITPIX', value: hdu.bitpix as number },
    { key: 'NAXIS', value: shape.length },
    ...shape.map((length, axis) => ({ key: `NAXIS${axis + 1}`, value: length })),
  ];
  const rest = hdu.header.cards.filter((card) => !COMPRESSION_STRUCTURE_KEYS.test(card.key));
  return new FitsHeader([...structure, ...rest]);
}
