import type { PngPixels } from '@enhance/core';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphInk } from './bitmap-font.js';

export type Rgb = readonly [number, number, number];

/** An RGB drawing surface for plots, with (0, 0) at the top-left corner. */
export class Raster {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = 3 * (py * this.width + px);
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    for (let j = Math.max(0, Math.round(y)); j < Math.min(this.height, Math.round(y + height)); j++) {
      for (let i = Math.max(0, Math.round(x)); i < Math.min(this.width, Math.round(x + width)); i++) this.setPixel(i, j, color);
    }
  }

  /** A straight segment `thickness` pixels wide, stepped one pixel at a time along its longer axis. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) this.setPixel(x + dx, y + dy, color);
    }
  }

  /** Text in the 3×5 font, each font pixel drawn as scale×scale; returns the width drawn. */
  text(x: number, y: number, text: string, color: Rgb, scale = 2, anchor: 'left' | 'centre' | 'right' = 'left'): number {
    const advance = (GLYPH_WIDTH + 1) * scale;
    const width = text.length * advance - scale;
    const start = anchor === 'left' ? x : anchor === 'centre' ? x - width / 2 : x - width;
    [...text].forEach((char, n) => {
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (glyphInk(char, gx, gy)) this.fillRect(start + n * advance + gx * scale, y + gy * scale, scale, scale, color);
        }
      }
    });
    return width;
  }

  toPngPixels(): PngPixels {
    return { width: this.width, height: this.height, channels: 3, data: this.data };
  }
}
