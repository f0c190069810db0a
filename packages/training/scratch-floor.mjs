import { evaluateLimbDarkening, fitLimbDarkening, normalisationScale, Redegrader } from '@enhance/core';
import { createEnhancer } from '@enhance/runtime-node';
import * as ort from 'onnxruntime-node';
import { syntheticFullDisk, syntheticLimbDarkening } from './dist/evaluation/synthetic-full-disk.js';
const variant = process.argv[2] ?? 'lite';
const disk = await syntheticFullDisk('/work/shared', 'runs/cache');
const frameDisk = { centreX: disk.centreX, centreY: disk.centreY, radius: disk.radius, from: 's' };
const profile = fitLimbDarkening(disk.frame, disk.width, disk.height, frameDisk);
const plain = normalisationScale('intensity', disk.frame);
const w = disk.windows[0];
const enhancer = await createEnhancer({ kind: 'intensity', variant, device: 'cpu', threads: 1 });
const muOf = (x, y) => { const r2 = ((w.x0 + x - disk.centreX) ** 2 + (w.y0 + y - disk.centreY) ** 2) / disk.radius ** 2; return r2 < 1 ? Math.sqrt(1 - r2) : 0; };
const W = w.input.width, H = w.input.height;
for (const [name, level] of [['plain', () => plain], ['limb', (x, y) => evaluateLimbDarkening(profile, muOf(x, y))], ...[0.15, 0.2, 0.3, 0.4].map((t) => [`blend ${t}`, (x, y) => { const mu = muOf(x, y); const at = evaluateLimbDarkening(profile, t); return mu >= t ? evaluateLimbDarkening(profile, mu) : plain + (at - plain) * (mu / t); }])]) {
  const divided = Float32Array.from(w.input.data, (v, i) => v / level(i % W, Math.floor(i / W)));
  const r = await enhancer.enhance({ data: divided, width: W, height: H }, { scale: 1, limbNormalisation: 'off' });
  const out = r.image.data;
  for (let y = 0; y < 2 * H; y++) for (let x = 0; x < 2 * W; x++) out[y * 2 * W + x] *= level((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
  const bins = [[0.05, 0.15], [0.15, 0.3], [0.3, 0.45], [0.45, 0.6]].map(() => ({ e: 0, t: 0, n: 0 }));
  let ring = 0, rn = 0;
  for (let y = 64; y < 2 * H - 64; y++) for (let x = 64; x < 2 * W - 64; x++) {
    const X = (x + 0.5) / 2 - 0.5, Y = (y + 0.5) / 2 - 0.5;
    const o = Number.isFinite(out[y * 2 * W + x]) ? out[y * 2 * W + x] : 0, t = w.target.data[y * 2 * W + x];
    const d = Math.hypot(w.x0 + X - disk.centreX, w.y0 + Y - disk.centreY) - disk.radius;
    if (Math.abs(d) <= 6) { ring += (o - t) ** 2; rn++; }
    const mu = muOf(X, Y); const b = [[0.05, 0.15], [0.15, 0.3], [0.3, 0.45], [0.45, 0.6]].findIndex(([a, c]) => mu >= a && mu < c);
    if (b >= 0) { bins[b].e += (o - t) ** 2; bins[b].t += t; bins[b].n++; }
  }
  console.log(name.padEnd(10), 'ring', Math.sqrt(ring / rn).toFixed(4), bins.map((b) => (Math.sqrt(b.e / b.n) / (b.t / b.n)).toFixed(4)).join(' '));
}
await enhancer.dispose();
