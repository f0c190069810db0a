import {
  assertValidKey,
  BLOCK_LENGTH,
  CARD_LENGTH,
  type FitsCard,
  type FitsValue,
  formatCard,
  formatNumber,
  isCommentaryKey,
  isRealText,
  normaliseKey,
  parseCard,
  printableAscii,
} from './fits-card.js';
import { FitsError } from './fits-error.js';

/**
 * An immutable, ordered FITS header. Every transform returns a new header; card order, comments
 * and number formats of untouched cards are preserved. Keys are case-insensitive.
 */
export class FitsHeader {
  readonly cards: readonly FitsCard[];

  constructor(cards: Iterable<FitsCard> = []) {
    this.cards = Object.freeze(Array.from(cards, (card) => Object.freeze({ ...card, key: normaliseKey(card.key) })));
  }

  /** Parses header text made of 80-character card images; stops at END when there is one. */
  static parse(text: string): FitsHeader {
    const cards: FitsCard[] = [];
    let continuing = false;
    for (let offset = 0; offset + CARD_LENGTH <= text.length; offset += CARD_LENGTH) {
      const image = text.slice(offset, offset + CARD_LENGTH);
      if (image.startsWith('END     ') || image.trimEnd() === 'END') break;
      const { card, continued } = parseCard(image);
      const previous = cards[cards.length - 1];
      if (card.key === 'CONTINUE' && continuing && previous && typeof card.value === 'string') {
        const joined = `${(previous.value as string).slice(0, -1)}${card.value}`;
        const comment = [previous.comment, card.comment].filter((part) => part).join(' ') || undefined;
        cards[cards.length - 1] =
          comment === undefined ? { key: previous.key, value: joined } : { key: previous.key, value: joined, comment };
        continuing = continued;
        continue;
      }
      if (card.key === 'CONTINUE') {
        // A CONTINUE card with nothing to continue is kept as text.
        cards.push({ key: 'CONTINUE', value: image.slice(8).trimEnd(), commentary: true });
        continuing = false;
        continue;
      }
      cards.push(card);
      continuing = continued;
    }
    return new FitsHeader(cards);
  }

  /** The value of the first card with this key (commentary keys excluded), or undefined. */
  get(key: string): FitsValue | undefined {
    return this.find(normaliseKey(key))?.value;
  }

  /** The first card with this key (commentary keys excluded), with its value as written. */
  getCard(key: string): FitsCard | undefined {
    return this.find(normaliseKey(key));
  }

  /** The value as a number, or undefined when absent or not numeric. */
  getNumber(key: string): number | undefined {
    const value = this.get(key);
    return typeof value === 'number' ? value : undefined;
  }

  /** The value as a string, or undefined when absent or not a string. */
  getString(key: string): string | undefined {
    const value = this.get(key);
    return typeof value === 'string' ? value : undefined;
  }

  /** The comment of the first card with this key. */
  getComment(key: string): string | undefined {
    return this.find(normaliseKey(key))?.comment;
  }

  has(key: string): boolean {
    return this.find(normaliseKey(key)) !== undefined;
  }

  /** Keys of the value cards, in order, without duplicates. */
  keys(): string[] {
    return [...new Set(this.cards.filter((card) => !isCommentaryKey(card.key) && !card.commentary).map((card) => card.key))];
  }

  /** Texts of the HISTORY cards, in order. */
  history(): string[] {
    return this.cards.filter((card) => card.key === 'HISTORY').map((card) => String(card.value));
  }

  /** Texts of the COMMENT cards, in order. */
  comments(): string[] {
    return this.cards.filter((card) => card.key === 'COMMENT').map((card) => String(card.value));
  }

  /**
   * Sets a value: the first card with this key is replaced in place (keeping its comment unless a
   * new one is given, and keeping a real number written as a real), otherwise a card is appended.
   */
  with(key: string, value: FitsValue, comment?: string): FitsHeader {
    const name = normaliseKey(key);
    assertValidKey(name);
    if (isCommentaryKey(name)) {
      throw new FitsError({
        code: 'FITS_BAD_HEADER',
        message: `"${name}" cards hold text, not values: use withHistory or withComment`,
        details: { key: name },
      });
    }
    const index = this.cards.findIndex((card) => card.key === name && !card.commentary);
    const previous = index < 0 ? undefined : this.cards[index];
    let valueText: string | undefined;
    if (typeof value === 'number') valueText = formatNumber(value, isRealText(previous?.valueText));
    const next: FitsCard = { key: name, value, ...(valueText === undefined ? {} : { valueText }) };
    const keptComment = comment ?? previous?.comment;
    const card = keptComment === undefined ? next : { ...next, comment: keptComment };
    if (index < 0) return new FitsHeader([...this.cards, card]);
    const cards = [...this.cards];
    cards[index] = card;
    return new FitsHeader(cards);
  }

  /** Removes every card with this key. */
  without(key: string): FitsHeader {
    const name = normaliseKey(key);
    return new FitsHeader(this.cards.filter((card) => card.key !== name));
  }

  /** Removes every card whose key matches the pattern (tested against the upper-case key). */
  withoutMatching(pattern: RegExp): FitsHeader {
    return new FitsHeader(this.cards.filter((card) => !pattern.test(card.key)));
  }

  /** Appends a HISTORY card (several when the text is longer than one card holds). */
  withHistory(text: string): FitsHeader {
    return new FitsHeader([...this.cards, ...commentaryCards('HISTORY', text)]);
  }

  /** Appends a COMMENT card (several when the text is longer than one card holds). */
  withComment(text: string): FitsHeader {
    return new FitsHeader([...this.cards, ...commentaryCards('COMMENT', text)]);
  }

  /** The card images of this header, END included, padded with blanks to whole 2880-byte blocks. */
  toText(): string {
    const images = this.cards.flatMap(formatCard);
    images.push('END'.padEnd(CARD_LENGTH, ' '));
    const text = images.join('');
    return text.padEnd(Math.ceil(text.length / BLOCK_LENGTH) * BLOCK_LENGTH, ' ');
  }

  private find(key: string): FitsCard | undefined {
    if (isCommentaryKey(key)) return undefined;
    return this.cards.find((card) => card.key === key && !card.commentary);
  }
}

/** Text a commentary card holds after its 8-character keyword. */
const COMMENTARY_TEXT_LENGTH = 72;

/**
 * The cards of one HISTORY or COMMENT text: wrapped at spaces, as a reader reads them, so that joining
 * the cards with a space gives the text back. Only a word longer than a whole card is split.
 */
function commentaryCards(key: 'HISTORY' | 'COMMENT', text: string): FitsCard[] {
  let rest = printableAscii(text);
  const cards: FitsCard[] = [];
  while (rest.length > COMMENTARY_TEXT_LENGTH) {
    const space = rest.lastIndexOf(' ', COMMENTARY_TEXT_LENGTH);
    const cut = space > 0 ? space : COMMENTARY_TEXT_LENGTH;
    cards.push({ key, value: rest.slice(0, cut) });
    rest = rest.slice(space > 0 ? cut + 1 : cut);
  }
  cards.push({ key, value: rest });
  return cards;
}
