import { BLOCK_LENGTH, CARD_LENGTH } from '@enhance/core';
import type { SeededRandom } from './seeded-random.js';

/**
 * One edit of a file, recorded with everything it needs so that it replays on its own: the
 * minimiser drops edits from a mutant and applies the rest to the seed again.
 */
export type Mutation =
  | { readonly kind: 'bit-flip'; readonly offset: number; readonly bit: number }
  | { readonly kind: 'overwrite'; readonly offset: number; readonly bytes: readonly number[] }
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'insert'; readonly offset: number; readonly fill: number; readonly count: number }
  | { readonly kind: 'delete'; readonly offset: number; readonly count: number }
  /** Sets the value field of the `occurrence`-th card with this keyword (counted over the whole file). */
  | { readonly kind: 'card-value'; readonly key: string; readonly occurrence: number; readonly value: string }
  /** Blanks the card out, as if it had never been written. */
  | { readonly kind: 'card-remove'; readonly key: string; readonly occurrence: number }
  /** Writes a card where the `occurrence`-th END card is, and END after it. */
  | { readonly kind: 'card-add'; readonly key: string; readonly value: string; readonly occurrence: number }
  | { readonly kind: 'end-remove'; readonly occurrence: number }
  /** Writes an END card over the `card`-th card of the `occurrence`-th header (a second, early END). */
  | { readonly kind: 'end-early'; readonly occurrence: number; readonly card: number }
  /** Overwrites a big-endian 32-bit word in the data unit of a binary table: descriptors, ZSCALE, ZBLANK. */
  | { readonly kind: 'table-word'; readonly table: number; readonly offset: number; readonly value: number };

export type MutationKind = Mutation['kind'];

/** How often each kind is drawn: structure-aware edits most, since they reach the deepest code. */
const KIND_WEIGHTS: Readonly<Record<MutationKind, number>> = {
  'card-value': 32,
  'bit-flip': 12,
  overwrite: 10,
  truncate: 7,
  insert: 5,
  delete: 5,
  'card-remove': 6,
  'card-add': 7,
  'end-remove': 2,
  'end-early': 3,
  'table-word': 11,
};

/** Keywords whose values decide the layout, the decoding or the scaling of the data. */
const STRUCTURAL_KEY =
  /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|THEAP|TFIELDS|TFORM\d+|TTYPE\d+|EXTEND|GROUPS|BSCALE|BZERO|BLANK|EXTNAME|ZIMAGE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZCMPTYPE|ZNAME\d+|ZVAL\d+|ZQUANTIZ|ZDITHER0|ZSCALE|ZZERO|ZBLANK)$/;

/** Cards a seed may lack, added by 'card-add'. */
const ADDABLE_KEYS = [
  'ZDITHER0',
  'BLANK',
  'ZBLANK',
  'THEAP',
  'PCOUNT',
  'GCOUNT',
  'BSCALE',
  'BZERO',
  'ZSCALE',
  'ZZERO',
  'ZTILE1',
  'ZTILE2',
  'ZTILE3',
  'ZQUANTIZ',
  'GROUPS',
  'NAXIS3',
  'ZNAXIS3',
  'ZNAME3',
  'ZVAL1',
  'ZVAL2',
  'EXTNAME',
];

/** Values that break assumptions: zero, negatives, the edges of integer types, fractions, nan, strings. */
const HOSTILE_VALUES = [
  '0',
  '-1',
  '1',
  '2',
  '3',
  '-2',
  '-4',
  '-2880',
  '2880',
  '100000',
  '2147483647',
  '2147483648',
  '-2147483648',
  '4294967296',
  '9007199254740993',
  '1E15',
  '99999999999999999999',
  '1E400',
  '1.5',
  '-0.5',
  '0.5',
  '2.0',
  '1E-300',
  'nan',
  'NaN',
  'inf',
  '-inf',
  "'abc'",
  "''",
  "'12'",
  'T',
  'F',
  '',
  '(1, 2)',
  '10001',
  '10000',
  '-32',
  '-64',
  '64',
  '24',
  '8',
  '16',
  '32',
  '999',
  '1000',
  "'RICE_1'",
  "'GZIP_1'",
  "'GZIP_2'",
  "'HCOMPRESS_1'",
  "'PLIO_1'",
  "'NO_DITHER'",
  "'SUBTRACTIVE_DITHER_1'",
  "'SUBTRACTIVE_DITHER_2'",
  "'NONE'",
  "'IMAGE'",
  "'BINTABLE'",
  "'TABLE'",
  "'1PB'",
  "'1QB'",
  "'1PJ(4)'",
  "'1J'",
  "'1D'",
  "'8A'",
  "'0PB'",
  "'COMPRESSED_DATA'",
  "'UNCOMPRESSED_DATA'",
  "'GZIP_COMPRESSED_DATA'",
  "'ZSCALE'",
  "'ZZERO'",
  "'ZBLANK'",
  "'BLOCKSIZE'",
  "'BYTEPIX'",
];

const BYTE_VALUES = [0x00, 0xff, 0x7f, 0x80, 0x20, 0x30, 0x31, 0x39, 0x2d, 0x2e, 0x45, 0x27, 0x3d, 0x01];
const WORD_VALUES = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 2880, 4096, 0x10000, 65535, 0x7fc00000, 0x7f800000, 1000000];

/** Positions and keywords of the value cards (`KEY     = `), scanning every 80-byte card slot. */
function valueCards(bytes: Uint8Array): { offset: number; key: string }[] {
  const cards: { offset: number; key: string }[] = [];
  for (let offset = 0; offset + CARD_LENGTH <= bytes.length; offset += CARD_LENGTH) {
    if (bytes[offset + 8] !== 0x3d || bytes[offset + 9] !== 0x20) continue;
    let key = '';
    for (let i = 0; i < 8; i += 1) key += String.fromCharCode(bytes[offset + i]);
    key = key.trimEnd();
    if (/^[A-Z0-9_-]+$/.test(key)) cards.push({ offset, key });
  }
  return cards;
}

const END_CARD = 'END'.padEnd(CARD_LENGTH, ' ');

function isEndCard(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < CARD_LENGTH; i += 1) if (bytes[offset + i] !== END_CARD.charCodeAt(i)) return false;
  return true;
}

function endCards(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  for (let offset = 0; offset + CARD_LENGTH <= bytes.length; offset += CARD_LENGTH) if (isEndCard(bytes, offset)) ends.push(offset);
  return ends;
}

function cardImage(key: string, value: string): string {
  const field = value.startsWith("'") || value.startsWith('(') ? value : value.padStart(20, ' ');
  return `${key.padEnd(8, ' ')}= ${field}`.padEnd(CARD_LENGTH, ' ').slice(0, CARD_LENGTH);
}

function writeText(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length && offset + i < bytes.length; i += 1) bytes[offset + i] = text.charCodeAt(i);
}

/** Applies one edit to a copy of the bytes; an edit that no longer finds its place leaves them unchanged. */
export function applyMutation(bytes: Uint8Array, mutation: Mutation): Uint8Array {
  const out = bytes.slice();
  switch (mutation.kind) {
    case 'bit-flip':
      if (mutation.offset < out.length) out[mutation.offset] ^= 1 << mutation.bit;
      return out;
    case 'overwrite':
      mutation.bytes.forEach((value, i) => {
        if (mutation.offset + i < out.length) out[mutation.offset + i] = value;
      });
      return out;
    case 'truncate':
      return out.slice(0, Math.min(mutation.length, out.length));
    case 'insert': {
      const at = Math.min(mutation.offset, out.length);
      const grown = new Uint8Array(out.length + mutation.count);
      grown.set(out.subarray(0, at));
      grown.fill(mutation.fill, at, at + mutation.count);
      grown.set(out.subarray(at), at + mutation.count);
      return grown;
    }
    case 'delete': {
      const at = Math.min(mutation.offset, out.length);
      const rest = out.subarray(Math.min(out.length, at + mutation.count));
      const shrunk = new Uint8Array(at + rest.length);
      shrunk.set(out.subarray(0, at));
      shrunk.set(rest, at);
      return shrunk;
    }
    case 'card-value':
    case 'card-remove': {
      const matching = valueCards(out).filter((c) => c.key === mutation.key);
      if (matching.length === 0) return out;
      const { offset } = matching[mutation.occurrence % matching.length];
      writeText(out, offset, mutation.kind === 'card-remove' ? ' '.repeat(CARD_LENGTH) : cardImage(mutation.key, mutation.value));
      return out;
    }
    case 'card-add': {
      const ends = endCards(out);
      if (ends.length === 0) return out;
      const end = ends[mutation.occurrence % ends.length];
      // Only where END is not the block's last card: the header keeps its length.
      if ((end % BLOCK_LENGTH) + 2 * CARD_LENGTH > BLOCK_LENGTH) return out;
      writeText(out, end, cardImage(mutation.key, mutation.value));
      writeText(out, end + CARD_LENGTH, END_CARD);
      return out;
    }
    case 'end-remove': {
      const ends = endCards(out);
      if (ends.length > 0) writeText(out, ends[mutation.occurrence % ends.length], ' '.repeat(CARD_LENGTH));
      return out;
    }
    case 'end-early': {
      const ends = endCards(out);
      if (ends.length === 0) return out;
      const end = ends[mutation.occurrence % ends.length];
      const headerStart = end - (end % BLOCK_LENGTH);
      const cards = Math.max(1, (end - headerStart) / CARD_LENGTH);
      writeText(out, headerStart + (mutation.card % cards) * CARD_LENGTH, END_CARD);
      return out;
    }
    case 'table-word': {
      const tables = tableDataUnits(out);
      if (tables.length === 0) return out;
      const table = tables[mutation.table % tables.length];
      const at = table.start + 4 * Math.floor((mutation.offset % (table.end - table.start)) / 4);
      if (at + 4 <= out.length) new DataView(out.buffer, out.byteOffset, out.byteLength).setInt32(at, mutation.value | 0);
      return out;
    }
  }
}

/**
 * Where the data of each binary table lies, found without the reader (whose bugs the fuzzer looks
 * for): from the block after the END that closes a BINTABLE header to the next XTENSION block.
 */
function tableDataUnits(bytes: Uint8Array): { start: number; end: number }[] {
  const startsWith = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i += 1) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  };
  const units: { start: number; end: number }[] = [];
  for (let block = 0; block < bytes.length; block += BLOCK_LENGTH) {
    if (!startsWith(block, "XTENSION= 'BINTABLE'")) continue;
    let end = block;
    while (end + CARD_LENGTH <= bytes.length && !isEndCard(bytes, end)) end += CARD_LENGTH;
    const start = (Math.floor(end / BLOCK_LENGTH) + 1) * BLOCK_LENGTH;
    let next = start;
    while (next < bytes.length && !startsWith(next, 'XTENSION= ')) next += BLOCK_LENGTH;
    const stop = Math.min(next, bytes.length);
    if (stop - start >= 4) units.push({ start, end: stop });
    block = Math.max(block, next - BLOCK_LENGTH);
  }
  return units;
}

export function applyMutations(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  return mutations.reduce(applyMutation, seed);
}

/** Draws one edit for these bytes: offsets, keywords and values are chosen from what the file holds. */
export function drawMutation(bytes: Uint8Array, random: SeededRandom): Mutation {
  const kind = random.weighted(KIND_WEIGHTS);
  const length = Math.max(1, bytes.length);
  // Headers are where one byte matters most: half of the byte-level edits land in a header block.
  const headerOffsets = valueCards(bytes).map((c) => c.offset);
  const offset = () =>
    headerOffsets.length > 0 && random.chance(0.5) ? random.pick(headerOffsets) + random.below(CARD_LENGTH) : random.below(length);
  switch (kind) {
    case 'bit-flip':
      return { kind, offset: offset(), bit: random.below(8) };
    case 'overwrite': {
      const count = 1 + random.below(random.chance(0.7) ? 4 : 16);
      const values = Array.from({ length: count }, () => (random.chance(0.5) ? random.pick(BYTE_VALUES) : random.below(256)));
      return { kind, offset: offset(), bytes: values };
    }
    case 'truncate': {
      const cut = random.weighted({ anywhere: 3, block: 2, nearEnd: 3 });
      if (cut === 'block') return { kind, length: BLOCK_LENGTH * random.below(Math.ceil(length / BLOCK_LENGTH)) };
      if (cut === 'nearEnd') return { kind, length: Math.max(0, length - 1 - random.below(Math.min(length, 3000))) };
      return { kind, length: random.below(length) };
    }
    case 'insert':
    case 'delete': {
      const count = random.pick([1, 2, 3, 4, 80, 160, 2880, 1 + random.below(100)]);
      const at = random.chance(0.5) ? CARD_LENGTH * random.below(Math.ceil(length / CARD_LENGTH)) : random.below(length);
      if (kind === 'delete') return { kind, offset: at, count };
      return { kind, offset: at, count, fill: random.pick([0x20, 0x00, 0xff, random.below(256)]) };
    }
    case 'card-value':
    case 'card-remove': {
      const cards = valueCards(bytes);
      const structural = cards.filter((c) => STRUCTURAL_KEY.test(c.key));
      const pool = structural.length > 0 && random.chance(0.95) ? structural : cards;
      if (pool.length === 0) return { kind: 'bit-flip', offset: random.below(length), bit: random.below(8) };
      const chosen = random.pick(pool);
      const occurrence = cards.filter((c) => c.key === chosen.key).findIndex((c) => c.offset === chosen.offset);
      if (kind === 'card-remove') return { kind, key: chosen.key, occurrence };
      return { kind, key: chosen.key, occurrence, value: hostileValue(bytes, chosen.offset, random) };
    }
    case 'card-add':
      return { kind, key: random.pick(ADDABLE_KEYS), value: random.pick(HOSTILE_VALUES), occurrence: random.below(4) };
    case 'end-remove':
      return { kind, occurrence: random.below(4) };
    case 'end-early':
      return { kind, occurrence: random.below(4), card: random.below(36) };
    case 'table-word':
      return {
        kind,
        table: random.below(4),
        offset: random.below(1 << 20),
        value: random.chance(0.7) ? random.pick(WORD_VALUES) : random.below(2 ** 32) | 0,
      };
  }
}

/** A hostile value, or one near the card's own: off by one, doubled, halved, a block more. */
function hostileValue(bytes: Uint8Array, offset: number, random: SeededRandom): string {
  let text = '';
  for (let i = 10; i < 30; i += 1) text += String.fromCharCode(bytes[offset + i]);
  const current = Number(text.trim());
  if (Number.isFinite(current) && text.trim() !== '' && random.chance(0.3)) {
    return String(random.pick([current + 1, current - 1, current * 2, Math.floor(current / 2), current + 2880, -current, current + 0.5]));
  }
  return random.pick(HOSTILE_VALUES);
}

/** One line saying what an edit does, for reproducer notes. */
export function describeMutation(mutation: Mutation): string {
  switch (mutation.kind) {
    case 'bit-flip':
      return `flip bit ${mutation.bit} of byte ${mutation.offset}`;
    case 'overwrite':
      return `overwrite bytes ${mutation.offset}–${mutation.offset + mutation.bytes.length - 1} with [${mutation.bytes.join(', ')}]`;
    case 'truncate':
      return `truncate to ${mutation.length} bytes`;
    case 'insert':
      return `insert ${mutation.count} bytes of ${mutation.fill} at byte ${mutation.offset}`;
    case 'delete':
      return `delete ${mutation.count} bytes from byte ${mutation.offset}`;
    case 'card-value':
      return `set ${mutation.key} (occurrence ${mutation.occurrence}) = ${mutation.value === '' ? '(no value)' : mutation.value}`;
    case 'card-remove':
      return `remove the ${mutation.key} card (occurrence ${mutation.occurrence})`;
    case 'card-add':
      return `add ${mutation.key} = ${mutation.value} before END (occurrence ${mutation.occurrence})`;
    case 'end-remove':
      return `remove END (occurrence ${mutation.occurrence})`;
    case 'end-early':
      return `write END over card ${mutation.card} of header ${mutation.occurrence}`;
    case 'table-word':
      return `write ${mutation.value} at data byte ${mutation.offset} of binary table ${mutation.table}`;
  }
}
