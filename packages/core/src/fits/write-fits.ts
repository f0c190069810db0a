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
  /** Image extensions written after the primary HDU, in order (fitsImageExtension says what they carry). */
  extensions?: readonly FitsImageExtension[];
}

/** A 2-D image written as an IMAGE extension: EXTNAME, BUNIT and the world coordinates of its own header. */
export interface FitsImageExtension {
  readonly image: Omit<SolarImage, 'header'> & { readonly header?: FitsHeader };
  /** EXTNAME, e.g. 'RESIDUAL'. */
  readonly name: string;
  /** BUNIT; left out when undefined. */
  readonly unit?: string;
  /** COMMENT cards saying what the extension holds. */
  readonly comments?: readonly string[];
}

/** Keywords that describe how the source was stored, not what it shows: never carried over. */
const STORAGE_KEYS = /^(BSCALE|BZERO|BLANK|INHERIT|EXTNAME|EXTVER|EXTLEVEL|END|CONTINUE)$/;

/**
 * Writes a FITS file holding the image as IEEE floats (NaN kept) in its primary HDU: SIMPLE, BITPIX,
 * NAXIS, NAXIS1, NAXIS2 and EXTEND in fixed format, then the image header's other cards in their order,
 * leaving out the keywords of tile compression, binary tables, checksums and integer scaling, and
 * cards whose value is NaN or infinite. Dates written with a 'Z' lose it (FITS dates are UTC). Each of
 * `extensions` follows as an IMAGE extension of the same BITPIX.
 */
export function writeFits(
  image: SolarImage | (Omit<SolarImage, 'data'> & { readonly data: Float64Array }),
  { bitpix = -32, file, extensions = [] }: WriteFitsOptions = {},
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
  checkImageShape({ data, width, height }, file);
  const mandatory: FitsCard[] = [
    { key: 'SIMPLE', value: true, comment: 'conforms to the FITS standard' },
    ...imageAxisCards(bitpix, width, height),
    { key: 'EXTEND', value: true, comment: 'extensions may follow' },
  ];
  const carried = writableCards(
    image.header.cards.filter((card) => !COMPRESSION_STRUCTURE_KEYS.test(card.key) && !STORAGE_KEYS.test(card.key)),
  );
  const usesLongStrings = carried.some(
    (card) =>
      !isCommentaryKey(card.key) && !card.commentary && typeof card.value === 'string' && card.value.replace(/'/g, "''").length > 68,
  );
  if (usesLongStrings && !carried.some((card) => card.key === 'LONGSTRN')) {
    // Declares the CONTINUE long-string convention, as FITS validators expect.
    mandatory.push({ key: 'LONGSTRN', value: 'OGIP 1.0', comment: 'long strings continue on CONTINUE cards' });
  }
  const hdus = [hduBytes(new FitsHeader([...mandatory, ...carried]).toText(), data, bitpix)];
  for (const extension of extensions) hdus.push(imageExtensionBytes(extension, bitpix, file));
  if (hdus.length === 1) return hdus[0];
  const out = new Uint8Array(hdus.reduce((n, hdu) => n + hdu.length, 0));
  let offset = 0;
  for (const hdu of hdus) {
    out.set(hdu, offset);
    offset += hdu.length;
  }
  return out;
}

/** BITPIX and the two axes, in fixed format, as every image HDU starts after SIMPLE or XTENSION. */
function imageAxisCards(bitpix: FitsFloatBitpix, width: number, height: number): FitsCard[] {
  return [
    { key: 'BITPIX', value: bitpix, comment: bitpix === -32 ? 'IEEE 32-bit floats' : 'IEEE 64-bit floats' },
    { key: 'NAXIS', value: 2, comment: 'number of data axes' },
    { key: 'NAXIS1', value: width, comment: 'length of the fast axis (x)' },
    { key: 'NAXIS2', value: height, comment: 'length of the slow axis (y)' },
  ];
}

/** Header text and big-endian float data, each padded to whole 2880-byte blocks. */
function hduBytes(headerText: string, data: ArrayLike<number>, bitpix: FitsFloatBitpix): Uint8Array {
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

/**
 * FITS cannot hold NaN or infinities (JSOC writes `CRDER1  = nan` for "unknown"), and an undefined
 * value is an error for WCS keywords, so such cards are left out; dates lose a 'Z'.
 */
function writableCards(cards: readonly FitsCard[]): FitsCard[] {
  return cards.filter((card) => typeof card.value !== 'number' || Number.isFinite(card.value)).map(withFitsDate);
}

function checkImageShape(image: { data: ArrayLike<number>; width: number; height: number }, file: string | undefined): void {
  const { data, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new FitsError({
      code: 'FITS_INVALID_IMAGE',
      file,
      message: `image of ${width}×${height} pixels has ${data.length} values: expected width × height = ${width * height}`,
      details: { width, height, length: data.length },
    });
  }
}

/**
 * What an extension carries from its image's header: the world coordinates (the core WCS keywords,
 * alternates A–Z included) and what places the observation (date, observer, solar radius, telescope),
 * so that a reader can place each extension on the Sun on its own (sunpy opens each HDU as a map).
 */
const EXTENSION_KEYS =
  /^(WCSAXES|WCSNAME|CTYPE[12]|CUNIT[12]|CRPIX[12]|CRVAL[12]|CDELT[12]|CROTA2|PC[12]_[12]|CD[12]_[12]|PV[12]_\d+|LONPOLE|LATPOLE|CRDER[12]|CSYSER[12])[A-Z]?$|^(RADESYS|EQUINOX|MJDREF|DATE-OBS|DATE_OBS|DATE-AVG|MJD-OBS|T_OBS|T_REC|DSUN_OBS|DSUN_REF|RSUN_OBS|RSUN_REF|R_SUN|CRLN_OBS|CRLT_OBS|HGLN_OBS|HGLT_OBS|CAR_ROT|OBS_VR|OBS_VW|OBS_VN|TELESCOP|INSTRUME|DETECTOR|WAVELNTH|WAVEUNIT|OBSRVTRY|X0_MP|Y0_MP|IMSCL_MP)$/;

function imageExtensionBytes(extension: FitsImageExtension, bitpix: FitsFloatBitpix, file: string | undefined): Uint8Array {
  const { image, name, unit, comments = [] } = extension;
  checkImageShape(image, file);
  const cards: FitsCard[] = [
    { key: 'XTENSION', value: 'IMAGE', comment: 'image extension' },
    ...imageAxisCards(bitpix, image.width, image.height),
    { key: 'PCOUNT', value: 0, comment: 'no parameters' },
    { key: 'GCOUNT', value: 1, comment: 'one group' },
    { key: 'EXTNAME', value: name, comment: 'name of this HDU' },
    ...(unit === undefined ? [] : [{ key: 'BUNIT', value: unit, comment: 'physical unit of the values' }]),
    ...writableCards((image.header?.cards ?? []).filter((card) => !card.commentary && EXTENSION_KEYS.test(card.key))),
    ...comments.map((text) => ({ key: 'COMMENT', value: text })),
  ];
  return hduBytes(new FitsHeader(cards).toText(), image.data, bitpix);
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
