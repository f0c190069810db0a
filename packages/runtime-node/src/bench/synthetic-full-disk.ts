/**
 * A synthetic full-disk continuum frame in I/Ic: a disk of radius 0.4625·size (HMI's ~1894 px in 4096²),
 * limb-darkened (I = 1 − 0.6·(1 − μ)), with granulation-scale ripples, NaN off the limb like HMI's files.
 * About 33% of the frame is off the disk.
 */
export function syntheticFullDisk(size: number): { data: Float32Array; width: number; height: number; onDiskFraction: number } {
  const data = new Float32Array(size * size);
  const radius = 0.4625 * size;
  const centre = (size - 1) / 2;
  let onDisk = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - centre, y - centre) / radius;
      if (r > 1) {
        data[y * size + x] = Number.NaN;
        continue;
      }
      onDisk++;
      const mu = Math.sqrt(1 - r * r);
      const ripple = 0.04 * Math.sin(1.9 * x + 0.7 * Math.sin(0.31 * y)) * Math.cos(1.7 * y + 0.5 * Math.sin(0.27 * x));
      data[y * size + x] = (1 - 0.6 * (1 - mu)) * (1 + ripple);
    }
  }
  return { data, width: size, height: size, onDiskFraction: onDisk / (size * size) };
}

/** A square quiet-Sun-like frame with no NaN (the values do not change a convolutional network's cost). */
export function syntheticQuietSun(size: number): { data: Float32Array; width: number; height: number } {
  const data = Float32Array.from({ length: size * size }, (_, i) => 1 + 0.05 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  return { data, width: size, height: size };
}
