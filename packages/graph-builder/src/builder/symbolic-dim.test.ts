import { describe, expect, test } from 'vitest';
import { addDims, floorDivideDim, normaliseDim, sameDim, scaleDim, subtractDims, toAffine } from './symbolic-dim.js';
import { broadcastShapes } from './broadcast.js';

describe('symbolic dims', () => {
  test.each([
    ['H', 2, 'H+2'],
    ['H+2', -2, 'H'],
    ['2*H-1', 1, '2*H'],
    [3, 4, 7],
    ['H', 'H', '2*H'],
    ['2*W+1', '-1*W', 'W+1'],
  ] as const)('%s + %s = %s', (a, b, sum) => expect(addDims(a, b)).toBe(sum));

  test('sums of two symbols and non-affine names are not affine', () => {
    expect(addDims('H', 'W')).toBeUndefined();
    expect(addDims('H*W', 1)).toBeUndefined();
  });

  test('scaling, subtraction and floor division', () => {
    expect(scaleDim('H+1', 2)).toBe('2*H+2');
    expect(subtractDims('W', 'W')).toBe(0);
    expect(subtractDims('H-2', 2)).toBe('H-4');
    expect(floorDivideDim('2*H+3', 2)).toBe('H+1');
    expect(floorDivideDim('H', 2)).toBeUndefined();
    expect(floorDivideDim(7, 2)).toBe(3);
  });

  test('normal form and equality', () => {
    expect(normaliseDim('1*H+0')).toBe('H');
    expect(sameDim('1*H', 'H')).toBe(true);
    expect(sameDim('H', 'W')).toBe(false);
    expect(sameDim(2, 2)).toBe(true);
    expect(toAffine('2*H-3')).toEqual({ coefficient: 2, symbol: 'H', offset: -3 });
  });
});

describe('broadcastShapes', () => {
  const fresh = (axis: number) => `b${axis}`;
  test.each([
    [
      [
        [2, 3, 4],
        [3, 1],
      ],
      [2, 3, 4],
    ],
    [
      [
        ['N', 1, 'W'],
        [5, 1],
      ],
      ['N', 5, 'W'],
    ],
    [[['H'], ['H']], ['H']],
    [[['H'], ['W']], ['b0']],
    [[['H'], [4]], [4]],
    [
      [[], [2, 2]],
      [2, 2],
    ],
  ])('%j → %j', (shapes, expected) => expect(broadcastShapes(shapes, fresh)).toEqual({ shape: expected }));

  test('mismatched numbers name the axis', () => {
    expect(
      broadcastShapes(
        [
          [2, 3],
          [4, 3],
        ],
        fresh,
      ),
    ).toEqual({ error: 'dims 2 and 4 at output axis 0 do not broadcast' });
  });
});
