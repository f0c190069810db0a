// Test support: plain float64 reference implementations of ONNX ops, written from the ONNX operator
// specification independently of the builder, to check graphs run through onnxruntime.

export interface NDArray {
  shape: number[];
  data: Float64Array;
}

export function nd(shape: number[], data: ArrayLike<number>): NDArray {
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i];
    index = Math.floor(index / shape[i]);
  }
  return out;
}

function ravel(coords: readonly number[], shape: readonly number[]): number {
  let index = 0;
  for (let i = 0; i < shape.length; i++) index = index * shape[i] + coords[i];
  return index;
}

/** Builds an array by evaluating `f` at every coordinate of `shape`. */
export function generate(shape: number[], f: (coords: number[]) => number): NDArray {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(unravel(i, shape));
  return { shape, data };
}

function at(a: NDArray, coords: readonly number[]): number {
  return a.data[ravel(coords, a.shape)];
}

export function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, axis) => Math.max(...shapes.map((s) => s[axis - (rank - s.length)] ?? 1)));
}

/** The value of `a` at an output coordinate under numpy broadcasting. */
function broadcastAt(a: NDArray, coords: readonly number[]): number {
  const offset = coords.length - a.shape.length;
  return at(
    a,
    a.shape.map((d, i) => (d === 1 ? 0 : coords[i + offset])),
  );
}

export function elementwise(f: (...values: number[]) => number, ...arrays: NDArray[]): NDArray {
  const shape = broadcastShape(...arrays.map((a) => a.shape));
  return generate(shape, (c) => f(...arrays.map((a) => broadcastAt(a, c))));
}

export function expandTo(a: NDArray, shape: number[]): NDArray {
  return elementwise((v) => v, a, { shape, data: new Float64Array(sizeOf(shape)) });
}

export interface WindowOptions {
  pads?: number[];
  strides?: number[];
  dilations?: number[];
}

/** 2-D convolution (cross-correlation, as ONNX Conv), NCHW. */
export function conv2d(x: NDArray, w: NDArray, bias: NDArray | undefined, o: WindowOptions & { group?: number } = {}): NDArray {
  const [n, c, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const [pt, pl, pb, pr] = o.pads ?? [0, 0, 0, 0];
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const group = o.group ?? 1;
  const oh = Math.floor((h + pt + pb - (dh * (kh - 1) + 1)) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - (dw * (kw - 1) + 1)) / sw) + 1;
  const perGroup = m / group;
  if (cg * group !== c) throw new Error('reference conv2d: channel mismatch');
  return generate([n, m, oh, ow], ([b, oc, y, xo]) => {
    const g = Math.floor(oc / perGroup);
    let sum = bias ? bias.data[oc] : 0;
    for (let ic = 0; ic < cg; ic++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = y * sh - pt + ky * dh;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = xo * sw - pl + kx * dw;
          if (ix < 0 || ix >= wd) continue;
          sum += at(x, [b, g * cg + ic, iy, ix]) * at(w, [oc, ic, ky, kx]);
        }
      }
    }
    return sum;
  });
}

/** 2-D transposed convolution as a scatter of each input pixel, NCHW. */
export function convTranspose2d(
  x: NDArray,
  w: NDArray,
  bias: NDArray | undefined,
  o: WindowOptions & { outputPadding?: number[] } = {},
): NDArray {
  const [n, c, h, wd] = x.shape;
  const [, m, kh, kw] = w.shape;
  const [pt, pl, pb, pr] = o.pads ?? [0, 0, 0, 0];
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const [oph, opw] = o.outputPadding ?? [0, 0];
  const oh = sh * (h - 1) + oph + (kh - 1) * dh + 1 - pt - pb;
  const ow = sw * (wd - 1) + opw + (kw - 1) * dw + 1 - pl - pr;
  const out = generate([n, m, oh, ow], ([, oc]) => (bias ? bias.data[oc] : 0));
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < c; ic++)
      for (let y = 0; y < h; y++)
        for (let xi = 0; xi < wd; xi++) {
          const v = at(x, [b, ic, y, xi]);
          for (let oc = 0; oc < m; oc++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const oy = y * sh + ky * dh - pt;
                const ox = xi * sw + kx * dw - pl;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                out.data[ravel([b, oc, oy, ox], out.shape)] += v * at(w, [ic, oc, ky, kx]);
              }
        }
  return out;
}

export function pool2d(
  kind: 'average' | 'max',
  x: NDArray,
  kernel: number[],
  o: { pads?: number[]; strides?: number[]; countIncludePad?: boolean } = {},
): NDArray {
  const [n, c, h, wd] = x.shape;
  const [kh, kw] = kernel;
  const [pt, pl, pb, pr] = o.pads ?? [0, 0, 0, 0];
  const [sh, sw] = o.strides ?? [1, 1];
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - kw) / sw) + 1;
  return generate([n, c, oh, ow], ([b, ch, y, xo]) => {
    let acc = kind === 'max' ? -Infinity : 0;
    let count = 0;
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++) {
        const iy = y * sh - pt + ky;
        const ix = xo * sw - pl + kx;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
        if (inside) {
          const v = at(x, [b, ch, iy, ix]);
          acc = kind === 'max' ? Math.max(acc, v) : acc + v;
          count++;
        } else if (o.countIncludePad) {
          count++;
        }
      }
    return kind === 'max' ? acc : acc / count;
  });
}

export function pad(x: NDArray, pads: number[], mode: 'constant' | 'reflect' | 'edge', value = 0): NDArray {
  const rank = x.shape.length;
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  return generate(shape, (c) => {
    const source: number[] = [];
    for (let i = 0; i < rank; i++) {
      let s = c[i] - pads[i];
      const d = x.shape[i];
      if (s < 0 || s >= d) {
        if (mode === 'constant') return value;
        if (mode === 'edge') s = Math.min(Math.max(s, 0), d - 1);
        else s = s < 0 ? -s : 2 * (d - 1) - s;
      }
      source.push(s);
    }
    return at(x, source);
  });
}

/** Nearest resize with asymmetric coordinates and floor rounding: integer scales repeat each pixel. */
export function resizeNearestAsymmetric(x: NDArray, scales: number[]): NDArray {
  const shape = x.shape.map((d, i) => Math.floor(d * scales[i]));
  return generate(shape, (c) =>
    at(
      x,
      c.map((v, i) => Math.min(Math.floor(v / scales[i]), x.shape[i] - 1)),
    ),
  );
}

/** Separable interpolation along each axis with half-pixel centres; `weights` gives taps for a fraction. */
function resizeSeparable(x: NDArray, scales: number[], taps: (t: number) => { offsets: number[]; weights: number[] }): NDArray {
  let current = x;
  for (let axis = 0; axis < x.shape.length; axis++) {
    if (scales[axis] === 1) continue;
    const src = current;
    const inSize = src.shape[axis];
    const shape = [...src.shape];
    shape[axis] = Math.floor(inSize * scales[axis]);
    current = generate(shape, (c) => {
      const original = (c[axis] + 0.5) / scales[axis] - 0.5;
      const base = Math.floor(original);
      const { offsets, weights } = taps(original - base);
      let sum = 0;
      offsets.forEach((off, k) => {
        const coords = [...c];
        coords[axis] = Math.min(Math.max(base + off, 0), inSize - 1);
        sum += weights[k] * at(src, coords);
      });
      return sum;
    });
  }
  return current;
}

export function resizeLinearHalfPixel(x: NDArray, scales: number[]): NDArray {
  // Positions before the first centre use the first pixel (the coordinate is clamped to 0).
  return resizeSeparable(x, scales, (t) => ({ offsets: [0, 1], weights: [1 - t, t] }));
}

export function resizeCubicHalfPixel(x: NDArray, scales: number[], a = -0.75): NDArray {
  const kernel = (d: number) => {
    const s = Math.abs(d);
    if (s <= 1) return (a + 2) * s ** 3 - (a + 3) * s ** 2 + 1;
    if (s < 2) return a * s ** 3 - 5 * a * s ** 2 + 8 * a * s - 4 * a;
    return 0;
  };
  return resizeSeparable(x, scales, (t) => ({ offsets: [-1, 0, 1, 2], weights: [kernel(t + 1), kernel(t), kernel(1 - t), kernel(2 - t)] }));
}

export function batchNorm(x: NDArray, scale: NDArray, bias: NDArray, mean: NDArray, variance: NDArray, epsilon: number): NDArray {
  return generate(x.shape, (c) => {
    const ch = c[1];
    return (scale.data[ch] * (at(x, c) - mean.data[ch])) / Math.sqrt(variance.data[ch] + epsilon) + bias.data[ch];
  });
}

export function transpose(x: NDArray, perm: number[]): NDArray {
  const shape = perm.map((p) => x.shape[p]);
  return generate(shape, (c) => {
    const source = new Array<number>(c.length);
    perm.forEach((p, i) => {
      source[p] = c[i];
    });
    return at(x, source);
  });
}

/** DepthToSpace, written from the operator's definition (reshape, transpose, reshape). */
export function depthToSpace(x: NDArray, blockSize: number, mode: 'DCR' | 'CRD'): NDArray {
  const [n, c, h, w] = x.shape;
  const channels = c / (blockSize * blockSize);
  return generate([n, channels, h * blockSize, w * blockSize], ([b, k, y, xx]) => {
    const i = y % blockSize;
    const j = xx % blockSize;
    const source = mode === 'DCR' ? (i * blockSize + j) * channels + k : (k * blockSize + i) * blockSize + j;
    return at(x, [b, source, Math.floor(y / blockSize), Math.floor(xx / blockSize)]);
  });
}

export function slice(x: NDArray, starts: number[], ends: number[], axes: number[], steps: number[]): NDArray {
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const shape = [...x.shape];
  axes.forEach((axis, i) => {
    const d = x.shape[axis];
    const st = steps[i];
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (st > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    begin[axis] = s;
    step[axis] = st;
    shape[axis] = Math.max(0, Math.ceil((e - s) / st));
  });
  return generate(shape, (c) =>
    at(
      x,
      c.map((v, i) => begin[i] + v * step[i]),
    ),
  );
}

export function concat(arrays: NDArray[], axis: number): NDArray {
  const shape = [...arrays[0].shape];
  shape[axis] = arrays.reduce((s, a) => s + a.shape[axis], 0);
  return generate(shape, (c) => {
    let k = c[axis];
    for (const a of arrays) {
      if (k < a.shape[axis]) {
        const cc = [...c];
        cc[axis] = k;
        return at(a, cc);
      }
      k -= a.shape[axis];
    }
    throw new Error('unreachable');
  });
}

export function reduce(kind: 'sum' | 'mean' | 'max', x: NDArray, axes: number[] | undefined, keepDims: boolean): NDArray {
  const reduced = axes ?? x.shape.map((_, i) => i);
  const kept = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  const out = generate(kept, () => (kind === 'max' ? -Infinity : 0));
  for (let i = 0; i < x.data.length; i++) {
    const c = unravel(i, x.shape).map((v, axis) => (reduced.includes(axis) ? 0 : v));
    const j = ravel(c, kept);
    out.data[j] = kind === 'max' ? Math.max(out.data[j], x.data[i]) : out.data[j] + x.data[i];
  }
  if (kind === 'mean') {
    const count = reduced.reduce((p, a) => p * x.shape[a], 1);
    for (let j = 0; j < out.data.length; j++) out.data[j] /= count;
  }
  return keepDims ? out : { shape: x.shape.filter((_, i) => !reduced.includes(i)), data: out.data };
}

/** numpy matmul for rank >= 2 operands. */
export function matMul(a: NDArray, b: NDArray): NDArray {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return generate([...batch, m, n], (c) => {
    const bc = c.slice(0, -2);
    const [i, j] = c.slice(-2);
    let sum = 0;
    for (let t = 0; t < k; t++) {
      const ac = [...bc.slice(bc.length - (a.shape.length - 2)).map((v, q) => (a.shape[q] === 1 ? 0 : v)), i, t];
      const bcc = [...bc.slice(bc.length - (b.shape.length - 2)).map((v, q) => (b.shape[q] === 1 ? 0 : v)), t, j];
      sum += at(a, ac) * at(b, bcc);
    }
    return sum;
  });
}

export function tile(x: NDArray, repeats: number[]): NDArray {
  return generate(
    x.shape.map((d, i) => d * repeats[i]),
    (c) =>
      at(
        x,
        c.map((v, i) => v % x.shape[i]),
      ),
  );
}

export function gather(x: NDArray, indices: NDArray, axis: number): NDArray {
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const r = indices.shape.length;
  return generate(shape, (c) => {
    let index = at(indices, c.slice(axis, axis + r));
    if (index < 0) index += x.shape[axis];
    return at(x, [...c.slice(0, axis), index, ...c.slice(axis + r)]);
  });
}
