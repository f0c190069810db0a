import { describe, expect, test } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import {
  drawMagneticSpots,
  drawSunspots,
  MAGNETIC_SPOT_RANGES,
  SUNSPOT_RANGES,
  sunspotMask,
  withMagneticSpots,
  withSunspots,
  type MagneticSpotShape,
  type SunspotShape,
} from './synthetic-sunspots.js';

const spot: SunspotShape = {
  x: 50,
  y: 40,
  penumbraRadiusArcsec: 2,
  umbraRadiusArcsec: 1,
  axisRatio: 1,
  angle: 0,
  umbraLevel: 0.3,
  penumbraLevel: 0.7,
};
const scale = 0.05; // arcsec per pixel: penumbra radius 40 px, umbra 20 px

describe('sunspotMask', () => {
  const mask = sunspotMask(200, 120, scale, [spot], { periodic: false, edgeArcsec: 0.05 });
  const at = (x: number, y: number) => mask[y * 200 + x];

  test('umbra, penumbra and quiet Sun take their levels', () => {
    expect(at(50, 40)).toBeCloseTo(0.3, 3);
    expect(at(50 + 30, 40)).toBeCloseTo(0.7, 3);
    expect(at(50, 40 - 30)).toBeCloseTo(0.7, 3);
    expect(at(150, 100)).toBe(1);
    expect(at(50 + 45, 40)).toBeGreaterThan(0.99);
  });

  test('edges are smooth: the level falls monotonically outwards and crosses the midpoint at the radius', () => {
    for (let x = 50; x < 110; x++) expect(at(x + 1, 40)).toBeGreaterThanOrEqual(at(x, 40) - 1e-12);
    expect(at(50 + 40, 40)).toBeCloseTo(0.85, 2);
    expect(at(50 + 20, 40)).toBeCloseTo(0.5, 2);
  });

  test('periodic distances wrap around the edges, as the periodic degradation does', () => {
    const edge: SunspotShape = { ...spot, x: 2, y: 2 };
    const wrapped = sunspotMask(200, 120, scale, [edge], { periodic: true });
    const open = sunspotMask(200, 120, scale, [edge], { periodic: false });
    expect(wrapped[118 * 200 + 198]).toBeLessThan(0.35);
    expect(open[118 * 200 + 198]).toBe(1);
  });

  test('an elliptical spot is narrower across its major axis', () => {
    const ellipse = sunspotMask(200, 120, scale, [{ ...spot, axisRatio: 0.5 }], { periodic: false, edgeArcsec: 0.05 });
    expect(ellipse[40 * 200 + 50 + 30]).toBeCloseTo(0.7, 2);
    expect(ellipse[(40 + 30) * 200 + 50]).toBeGreaterThan(0.99);
  });

  test('withSunspots multiplies the scene and leaves it unmodified', () => {
    const scene = { width: 200, height: 120, data: Float64Array.from({ length: 200 * 120 }, (_, i) => 1 + 0.1 * Math.sin(i)) };
    const copy = Float64Array.from(scene.data);
    const spotted = withSunspots(scene, scale, [spot], false);
    expect(scene.data).toEqual(copy);
    const mask = sunspotMask(200, 120, scale, [spot], { periodic: false });
    for (const i of [0, 40 * 200 + 50, 40 * 200 + 85]) expect(spotted.data[i]).toBeCloseTo(mask[i] * scene.data[i], 12);
    expect(spotted.data[40 * 200 + 50] / scene.data[40 * 200 + 50]).toBeCloseTo(0.3, 1);
  });
});

describe('drawSunspots', () => {
  test('draws within the documented ranges, pores without penumbra', () => {
    const random = createRandom(5);
    let pores = 0;
    for (let i = 0; i < 200; i++) {
      const spots = drawSunspots(1000, 800, random);
      expect(spots.length).toBeGreaterThanOrEqual(SUNSPOT_RANGES.count[0]);
      expect(spots.length).toBeLessThanOrEqual(SUNSPOT_RANGES.count[1]);
      for (const s of spots) {
        expect(s.penumbraRadiusArcsec).toBeGreaterThanOrEqual(SUNSPOT_RANGES.radiusArcsec[0]);
        expect(s.penumbraRadiusArcsec).toBeLessThanOrEqual(SUNSPOT_RANGES.radiusArcsec[1]);
        expect(s.umbraLevel).toBeGreaterThanOrEqual(0.15);
        expect(s.umbraLevel).toBeLessThanOrEqual(0.4);
        expect(s.umbraRadiusArcsec).toBeLessThanOrEqual(s.penumbraRadiusArcsec);
        if (s.penumbraRadiusArcsec < SUNSPOT_RANGES.poreRadiusArcsec) {
          pores++;
          expect(s.penumbraLevel).toBe(s.umbraLevel);
        } else {
          expect(s.penumbraLevel).toBeGreaterThanOrEqual(0.6);
          expect(s.penumbraLevel).toBeLessThanOrEqual(0.85);
        }
        expect(s.x).toBeGreaterThanOrEqual(0);
        expect(s.x).toBeLessThan(1000);
      }
    }
    expect(pores).toBeGreaterThan(0);
  });

  test('the same seed draws the same spots', () => {
    expect(drawSunspots(100, 100, createRandom(9))).toEqual(drawSunspots(100, 100, createRandom(9)));
  });
});

describe('magnetic spots', () => {
  const magnetic: MagneticSpotShape = {
    x: 50,
    y: 40,
    penumbraRadiusArcsec: 2,
    umbraRadiusArcsec: 1,
    axisRatio: 1,
    angle: 0,
    umbraField: -2.5,
    penumbraField: -1,
  };
  // A map of mixed plage: +0.3 kG on even columns, −0.2 kG on odd ones.
  const map = { width: 200, height: 120, data: Float64Array.from({ length: 200 * 120 }, (_, i) => (i % 2 === 0 ? 0.3 : -0.2)) };
  const spotted = withMagneticSpots(map, scale, [magnetic], false);
  const at = (x: number, y: number) => spotted.data[y * 200 + x];

  test("the spot's field replaces the map's: umbra, penumbra, and the map untouched far away", () => {
    // Soft edges (0.2" = 4 px logistic scale): the umbral step is 1/(1 + e^-5) complete at the centre.
    const umbralStep = 1 / (1 + Math.exp(-5));
    const support = 1 / (1 + Math.exp(-10));
    expect(at(50, 40)).toBeCloseTo(0.3 * (1 - support) - support - 1.5 * umbralStep, 9);
    expect(at(50, 40)).toBeCloseTo(-2.5, 1);
    expect(at(50 + 30, 40)).toBeCloseTo(-1, 1);
    expect(at(50, 40 + 30)).toBeCloseTo(-1, 1);
    expect(at(150, 100)).toBe(0.3);
    expect(at(151, 100)).toBe(-0.2);
    expect(map.data[40 * 200 + 50]).toBe(0.3); // the input is not modified
  });

  test('the edge blends the map into the spot: at the outer radius halfway between the two', () => {
    // Edge width 0.2" = 4 px: at r = 40 px the support is 1/2, the umbral step (20 px in) e^-5 small.
    const umbralTail = -1.5 / (1 + Math.exp(5));
    expect(at(50 + 40, 40)).toBeCloseTo((0.3 + -1) / 2 + umbralTail, 6);
    const support41 = 1 / (1 + Math.exp(1 / 4));
    expect(at(50 + 41, 40)).toBeCloseTo(-0.2 * (1 - support41) - support41 - 1.5 / (1 + Math.exp(21 / 4)), 6);
  });

  test('refuses a spot whose umbra and penumbra differ in sign', () => {
    expect(() => withMagneticSpots(map, scale, [{ ...magnetic, penumbraField: 1 }], false)).toThrow(/one sign/);
  });

  test('draws spots within the ranges, of both polarities, pores with one field', () => {
    const random = createRandom(11);
    let positive = 0;
    let total = 0;
    for (let n = 0; n < 300; n++) {
      for (const s of drawMagneticSpots(700, 700, random)) {
        total++;
        if (s.umbraField > 0) positive++;
        const r = MAGNETIC_SPOT_RANGES;
        expect(s.penumbraRadiusArcsec).toBeGreaterThanOrEqual(r.radiusArcsec[0]);
        expect(s.penumbraRadiusArcsec).toBeLessThanOrEqual(r.radiusArcsec[1]);
        expect(Math.abs(s.umbraField)).toBeGreaterThanOrEqual(r.umbraField[0]);
        expect(Math.abs(s.umbraField)).toBeLessThanOrEqual(r.umbraField[1]);
        expect(Math.sign(s.penumbraField)).toBe(Math.sign(s.umbraField));
        if (s.penumbraRadiusArcsec < r.poreRadiusArcsec) {
          expect(s.penumbraField).toBe(s.umbraField);
          expect(s.umbraRadiusArcsec).toBe(s.penumbraRadiusArcsec);
        } else {
          expect(Math.abs(s.penumbraField)).toBeGreaterThanOrEqual(r.penumbraField[0]);
          expect(Math.abs(s.penumbraField)).toBeLessThanOrEqual(r.penumbraField[1]);
        }
      }
    }
    expect(positive / total).toBeGreaterThan(0.4);
    expect(positive / total).toBeLessThan(0.6);
  });
});
