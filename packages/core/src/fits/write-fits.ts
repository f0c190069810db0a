import type { SolarImage } from '../image/solar-image.js';
import { BLOCK_LENGTH, type FitsCard, isCommentaryKey } from './fits-card.js';
import { FitsError } from './fits-error.js';
import { FitsHeader } from './fits-header.js';
import { COMPRESSION_STRUCTURE_KEYS } from './read-fits.js';

/** Float BITPIX values the writer produces. */
export type FitsFloatBitpix = -32 | -64;

export interface WriteFitsOptions {
  /** −32 (default) or −64. */
  bitpix?: FitsFloatBitpix;
  /** Named in error messages. */
  file?: string;
}

/** Keywords that describe how the source was stored, not what it shows: never carried over. */
const STORAGE_KEYS = /^(BSCALE|BZERO|BLANK|INHERIT|EXTNAME|EXTVER|EXTLEVEL|END|CONTINUE)$/;

/**
 * Writes a single-HDU FITS file holding the image as IEEE floats (NaN kept): SIMPLE, BITPIX, NAXIS,
 * NAXIS1, NAXIS2 and EXTEND in fixed format, then the image header's other cards in their order,
 * leaving out the keywords of tile compression, binary tables, checksums and integer scaling, and
 * cards whose value is NaN or infinite. Dates written with a 'Z' lose it (FITS dates are UTC).
 */
export function writeFits(
  image: SolarImage | (Omit<SolarImage, 'data'> & { readonly data: Float64Array }),
  { bitpix = -32, file }: WriteFitsOptions = {},
): Uint8Array {
  const { data, width, height } = image;
  if (bitpix !== -32 && bitpix !== -64) {
    throw new FitsError({
      code: 'FITS_UNSUPPORTED_BITPIX',
      file,
      message: `cannot write BITPIX = ${String(bitpix)}: the writer produces floats, -32 or -64`,
      details: { bitpix },
    });
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new FitsError({
      code: 'FITS_INVALID_IMAGE',
      file,
      message: `image of ${width}×${height} pixels has ${data.length} values: expected width × height = ${width * height}`,
      details: { width, height, length: data.length },
    });
  }
  const mandatory: FitsCard[] = [
    { key: 'SIMPLE', value: true, comment: 'conforms to the FITS standard' },
    { key: 'BITPIX', value: bitpix, comment: bitpix === -32 ? 'IEEE 32-bit floats' : 'IEEE 64-bit floats' },
    { key: 'NAXIS', value: 2, comment: 'number of data axes' },
    { key: 'NAXIS1', value: width, comment: 'length of the fast axis (x)' },
    { key: 'NAXIS2', value: height, comment: 'length of the slow axis (y)' },
    { key: 'EXTEND', value: true, comment: 'extensions may follow' },
  ];
  const carried = image.header.cards
    .filter((card) => !COMPRESSION_STRUCTURE_KEYS.test(card.key) && !STORAGE_KEYS.test(card.key))
    // FITS cannot hold NaN or infinities (JSOC writes `CRDER1  = nan` for "unknown"), and an
    // undefined value is an error for WCS keywords, so such cards are left out.
    .filter((card) => typeof card.value !== 'number' || Number.isFinite(card.value))
    .map(withFitsDate);
  const usesLongStrings = carried.some(
    (card) => !isCommentaryKey(card.key) && !card.commentary && typeof card.value === 'string' && card.value.replace(/'/g, "''").length > 68,
  );
  if (usesLongStrings && !carried.some((card) => card.key === 'LONGSTRN')) {
    // Declares the CONTINUE long-string convention, as FITS validators expect.
    mandatory.push({ key: 'LONGSTRN', value: 'OGIP 1.0', comment: 'long strings continue on CONTINUE cards' });
  }
  const headerText = new FitsHeader([...mandatory, ...carried]).toText();

  const bytesPerValue = bitpix === -32 ? 4 : 8;
  const dataLength = data.length * bytesPerValue;
  const out = new Uint8Array(headerText.length + Math.ceil(dataLength / BLOCK_LENGTH) * BLOCK_LENGTH);
  for (let i = 0; i < headerText.length; i += 1) {
    const code = headerText.charCodeAt(i);
    out[i] = code >= 0x20 && code <= 0x7e ? code : 0x3f;
  }
  const view = new DataView(out.buffer, headerText.length, dataLength);
  if (bitpix === -32) for (let i = 0; i < data.length; i += 1) view.setFloat32(4 * i, data[i]);
  else for (let i = 0; i < data.length; i += 1) view.setFloat64(8 * i, data[i]);
  return out;
}

const ISO_DATE_WITH_ZONE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?)Z$/;

/**
 * FITS dates are ISO 8601 without a zone letter (UTC is implied); JSOC writes DATE_S and the like
 * with a trailing 'Z', which FITS validators reject. The 'Z' is dropped, the time kept.
 */
function withFitsDate(card: FitsCard): FitsCard {
  if (!card.key.startsWith('DATE') || typeof card.value !== 'string') return card;
  const match = ISO_DATE_WITH_ZONE.exec(card.value.trim());
  if (!match) return card;
  return card.comment === undefined ? { key: card.key, value: match[1] } : { key: card.key, value: match[1], comment: card.comment };
}
