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
 * ≈1% of it, the limb ≈35%), interpolated to a fraction of a pixel, then an algebraic least-squares
 * circle (Kåsa) refitted three times without the points more than 3 px off it (spot edges that cross the
 * same level). Undefined with fewer than 10 points.
 */
export function fitLimbCircle(data: ArrayLike<number>, width: number, height: number): LimbCircle | undefined {
  const threshold = 0.25 * quietSunLevel(data);
  let points: [number, number][] = [];
  const crossing = (a: number, b: number) => Number.isFinite(a) && Number.isFinite(b) && (a - threshold) * (b - threshold) < 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x + 1 < width; x++) {
      const a = data[y * width + x];
      const b = data[y * width + x + 1];
      if (crossing(a, b)) points.push([x + (threshold - a) / (b - a), y]);
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y + 1 < height; y++) {
      const a = data[y * width + x];
      const b = data[(y + 1) * width + x];
      if (crossing(a, b)) points.push([x, y + (threshold - a) / (b - a)]);
    }
  }
  let circle: LimbCircle | undefined;
  for (let pass = 0; pass < 4 && points.length >= 10; pass++) {
    circle = kasaFit(points);
    if (!circle) return undefined;
    const { centreX, centreY, radius } = circle;
    const kept = points.filter(([x, y]) => Math.abs(Math.hypot(x - centreX, y - centreY) - radius) <= 3);
    if (kept.length === points.length) break;
    points = kept;
  }
  return circle;
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
