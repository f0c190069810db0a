import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/** Parses an SVG string strictly: a malformed document throws. */
export function parseSvg(svg: string): Document {
  const onError = (level: string, message: string) => {
    throw new Error(`SVG ${level}: ${message}`);
  };
  return new DOMParser({ onError }).parseFromString(svg, 'image/svg+xml');
}

export const elements = (root: Document | Element, tag: string): Element[] => Array.from(root.getElementsByTagName(tag));
export const withClass = (root: Document | Element, tag: string, name: string) =>
  elements(root, tag).filter((e) => e.getAttribute('class')?.split(' ').includes(name));
export const texts = (root: Element) => elements(root, 'text').map((t) => t.textContent ?? '');
