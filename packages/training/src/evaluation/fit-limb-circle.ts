import { quietSunLevel } from '@enhance/core';

export interface LimbCircle {
  /** 0-based pixel coordinates of the disk centre, and the radius in pixels. */
  readonly centreX: number;
  readonly centreY: number;
  readonly radius: number;
  /** Limb points the fit kept, and their RMS distance from the circle (pixels). */
  readonly points: number;
  readonly rmsPx: number;
}

/**
 * The limb of an image without world coordinates (the near-limb cut-out has none), from its data: the
 * points along rows and columns where the intensity crosses a quarter of the quiet-Sun level (sky is
 * ≈1% of it, the limb ≈35%) between sky and disk, interpolated to a fraction of a pixel, then an algebraic least-squares
 * circle (Kåsa) refitted without the points more than 30, 10, then 3 px off it (spot edges that cross
 * the same level). Undefined with fewer than 10 points.
 */
export function fitLimbCircle(data: ArrayLike<number>, width: number, height: number): LimbCircle | undefined {
  const level = quietSunLevel(data);
  const threshold = 0.25 * level;
  let points: [number, number][] = [];
  // A limb crossing has sky on its dark side (below 10% of the level over 5 px) and disk on its bright
  // side (above 30% over 3 px): an umbra near the threshold has penumbra, not sky, around it.
  const limbAt = (value: (k: number) => number, k: number, n: number): number | undefined => {
    const a = value(k);
    const b = value(k + 1);
    if (!(Number.isFinite(a) && Number.isFinite(b) && (a - threshold) * (b - threshold) < 0)) return undefined;
    const step = b > a ? 1 : -1;
    const dark = b > a ? k : k + 1;
    for (let j = 1; j <= 5; j++) {
      const v = value(dark - step * j);
      if (dark - step * j >= 0 && dark - step * j < n && !(v < 0.1 * level || Number.isNaN(v))) return undefined;
    }
    for (let j = 1; j <= 3; j++) {
      const i = dark + step * j;
      if (i < 0 || i >= n || !(value(i) > 0.3 * level)) return undefined;
    }
    return k + (threshold - a) / (b - a);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x + 1 < width; x++) {
      const at = limbAt((i) => data[y * width + i], x, width);
      if (at !== undefined) points.push([at, y]);
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y + 1 < height; y++) {
      const at = limbAt((j) => data[j * width + x], y, height);
      if (at !== undefined) points.push([x, at]);
    }
  }
  let circle: LimbCircle | undefined;
  // Outliers are dropped in steps (30, 10, 3 px), so a first fit pulled by them cannot discard the limb itself.
  for (const tolerance of [30, 10, 3, 3]) {
    if (points.length < 10) return undefined;
    circle = kasaFit(points);
    if (!circle) return undefined;
    const { centreX, centreY, radius } = circle;
    points = points.filter(([x, y]) => Math.abs(Math.hypot(x - centreX, y - centreY) - radius) <= tolerance);
  }
  return circle && points.length >= 10 ? kasaFit(points) : undefined;
}

/** Least squares of x² + y² + D x + E y + F = 0 (centre −D/2, −E/2), coordinates shifted to their mean for conditioning. */
function kasaFit(points: readonly [number, number][]): LimbCircle | undefined {
  let mx = 0;
  let my = 0;
  for (const [x, y] of points) {
    mx += x / points.length;
    my += y / points.length;
  }
  const a = [new Float64Array(4), new Float64Array(4), new Float64Array(4)];
  for (const [px, py] of points) {
    const x = px - mx;
    const y = py - my;
    const row = [x, y, 1];
    const rhs = -(x * x + y * y);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) a[r][c] += row[r] * row[c];
      a[r][3] += row[r] * rhs;
    }
  }
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 0)) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < 3; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c < 4; c++) a[r][c] -= f * a[col][c];
    }
  }
  const s = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let v = a[r][3];
    for (let c = r + 1; c < 3; c++) v -= a[r][c] * s[c];
    s[r] = v / a[r][r];
  }
  const [d, e, f] = s;
  const radius = Math.sqrt((d * d + e * e) / 4 - f);
  if (!Number.isFinite(radius)) return undefined;
  const centreX = mx - d / 2;
  const centreY = my - e / 2;
  let sum = 0;
  for (const [x, y] of points) sum += (Math.hypot(x - centreX, y - centreY) - radius) ** 2;
  return { centreX, centreY, radius, points: points.length, rmsPx: Math.sqrt(sum / points.length) };
}
