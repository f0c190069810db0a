import { createRequire } from 'node:module';

/**
 * fitsjs (astrojs) as an independent reader in tests. Its file parser needs the browser's FileReader
 * and its image decoder a Web Worker, so only the synchronous pieces are used here: the header
 * parser and the per-frame pixel converter.
 */
interface FitsjsHeader {
  get(key: string): unknown;
  contains(key: string): boolean;
  cards: Record<string, { value: unknown; comment?: string }>;
}
interface FitsjsModule {
  astro: {
    FITS: {
      Header: new (block: string) => FitsjsHeader;
      Image: { prototype: { _getFrame(buffer: ArrayBuffer, bitpix: number, bzero: number, bscale: number): ArrayLike<number> } };
    };
  };
}

const fitsjs = createRequire(import.meta.url)('fitsjs') as FitsjsModule;

/** Parses header text (80-character cards) with fitsjs. */
export function fitsjsHeader(text: string): FitsjsHeader {
  const warn = console.warn;
  console.warn = () => {}; // fitsjs warns about card order on extension-less headers.
  try {
    return new fitsjs.astro.FITS.Header(text);
  } finally {
    console.warn = warn;
  }
}

/** Converts one frame of big-endian pixels with fitsjs (BITPIX 8, 16, 32 and −32 only: it reads −64 as float32). */
export function fitsjsPixels(bytes: Uint8Array, bitpix: 8 | 16 | 32 | -32, bzero = 0, bscale = 1): number[] {
  const buffer = bytes.slice().buffer;
  return Array.from(fitsjs.astro.FITS.Image.prototype._getFrame(buffer, bitpix, bzero, bscale));
}
