/** One single-channel image, row-major (index = y·width + x), in float64 for the physics. */
export interface ImagePlane {
  readonly width: number;
  readonly height: number;
  readonly data: Float64Array;
}

export function createPlane(width: number, height: number, data?: ArrayLike<number>): ImagePlane {
  const plane = new Float64Array(width * height);
  if (data) plane.set(data);
  return { width, height, data: plane };
}

/** The sub-image [x0, x0+width) × [y0, y0+height). */
export function cropPlane(image: ImagePlane, x0: number, y0: number, width: number, height: number): ImagePlane {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    out.set(image.data.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + width), y * width);
  }
  return { width, height, data: out };
}

export function planeMean(image: ImagePlane): number {
  let sum = 0;
  for (let i = 0; i < image.data.length; i++) sum += image.data[i];
  return sum / image.data.length;
}

export function scalePlane(image: ImagePlane, factor: number): ImagePlane {
  const out = new Float64Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i] * factor;
  return { width: image.width, height: image.height, data: out };
}
