import { describe, expect, it } from 'vitest';
import { parsePrecision } from './parse-precision.js';

describe('--precision', () => {
  it('takes fp32 or int8, leaves the default to the library, and names the allowed values otherwise', () => {
    expect(parsePrecision('int8')).toBe('int8');
    expect(parsePrecision('fp32')).toBe('fp32');
    expect(parsePrecision(undefined)).toBeUndefined();
    expect(() => parsePrecision('fp16')).toThrow('--precision "fp16" is invalid: expected fp32 | int8');
  });
});
