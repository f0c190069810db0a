// Test support: small synthetic images for the quantisation tests.

/** Smooth structure around a level plus noise, like a normalised solar image. */
export function testImage(width: number, height: number, seed: number, level = 1) {
  let state = seed;
  const noise = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = level * (1 + 0.1 * Math.sin(0.5 * x + seed) * Math.cos(0.4 * y) + 0.03 * noise());
  }
  return { width, height, data };
}
