import { describe, expect, it } from 'vitest';
import {
  EnhanceError,
  EnhancerError,
  FitsError,
  FitsHeader,
  NoDeviceAvailableError,
  UnknownDeviceError,
  readFits,
  writeFits,
} from '@enhance/core';
import type { SolarImage } from '@enhance/core';
import { WebRuntimeError } from './web-runtime-error.js';
import {
  fromTransferredError,
  fromTransferredFitsImage,
  fromTransferredImage,
  toTransferredError,
  toTransferredFitsImage,
  toTransferredImage,
} from './worker-protocol.js';

/** What the page gets back for an error thrown in the worker: through structured clone, as postMessage does. */
const roundTrip = (error: unknown) => fromTransferredError(structuredClone(toTransferredError(error)));

describe('worker protocol: errors keep their class, code, file and values across the worker boundary', () => {
  it('EnhancerError: same code, message (file prefixed once) and details', () => {
    const original = new EnhancerError({
      code: 'MODEL_NOT_FOUND',
      file: 'https://x/m.onnx',
      message: 'cannot fetch the model: HTTP 404',
      details: { status: 404 },
    });
    const rebuilt = roundTrip(original);
    expect(rebuilt).toBeInstanceOf(EnhancerError);
    expect(EnhanceError.isInstance(rebuilt)).toBe(true);
    expect(rebuilt.message).toBe('https://x/m.onnx: cannot fetch the model: HTTP 404');
    expect(rebuilt.message).toBe(original.message);
    expect((rebuilt as EnhancerError).code).toBe('MODEL_NOT_FOUND');
    expect((rebuilt as EnhancerError).file).toBe('https://x/m.onnx');
    expect((rebuilt as EnhancerError).details).toEqual({ status: 404 });
  });

  it('device errors: the failures and the allowed values survive', () => {
    const failures = [
      { device: 'webgpu' as const, reason: 'no adapter' },
      { device: 'wasm' as const, reason: 'no memory' },
    ];
    const noDevice = roundTrip(new NoDeviceAvailableError({ failures, file: 'm.onnx' }));
    expect(noDevice).toBeInstanceOf(NoDeviceAvailableError);
    expect(noDevice.message).toBe('m.onnx: no device could run the model: [webgpu] no adapter; [wasm] no memory');
    expect((noDevice as NoDeviceAvailableError).failures).toEqual(failures);

    const unknown = roundTrip(new UnknownDeviceError({ device: 'cuda', platform: 'web', allowed: ['auto', 'wasm', 'webgpu'] }));
    expect(unknown).toBeInstanceOf(UnknownDeviceError);
    expect(unknown.message).toBe(`device "cuda" is not available on web: expected one of 'auto', 'wasm', 'webgpu'`);
    expect((unknown as UnknownDeviceError).allowed).toEqual(['auto', 'wasm', 'webgpu']);
  });

  it("the FITS reader's errors arrive as FitsError with code, file and details, codes added later included", () => {
    for (const code of ['FITS_TRUNCATED', 'FITS_SOME_FUTURE_CHECK']) {
      const rebuilt = roundTrip(
        new FitsError({ code: code as never, file: 'a.fits', message: 'ends early', details: { hdu: 1, byteLength: 8640 } }),
      );
      expect(rebuilt).toBeInstanceOf(FitsError);
      expect([rebuilt.name, (rebuilt as FitsError).code, rebuilt.message]).toEqual(['FitsError', code, 'a.fits: ends early']);
      expect((rebuilt as FitsError).details).toEqual({ hdu: 1, byteLength: 8640 });
    }
  });

  it('other project errors keep code and name; foreign errors keep name and message', () => {
    const graph = new EnhanceError({ code: 'GRAPH_SHAPE', file: 'm.onnx', message: 'bad shape' });
    graph.name = 'GraphError';
    const rebuilt = roundTrip(graph);
    expect(EnhanceError.isInstance(rebuilt)).toBe(true);
    expect([rebuilt.name, (rebuilt as EnhanceError).code, rebuilt.message]).toEqual(['GraphError', 'GRAPH_SHAPE', 'm.onnx: bad shape']);

    const worker = roundTrip(new WebRuntimeError({ code: 'WORKER_FAILED', message: 'boom', details: { line: 3 } }));
    expect(worker).toBeInstanceOf(WebRuntimeError);
    expect((worker as WebRuntimeError).details).toEqual({ line: 3 });
    expect((roundTrip(new WebRuntimeError({ code: 'WORKER_TIMEOUT', message: 'slow' })) as WebRuntimeError).code).toBe('WORKER_TIMEOUT');

    const plain = roundTrip(new RangeError('offset out of bounds'));
    expect(EnhanceError.isInstance(plain)).toBe(false);
    expect([plain.name, plain.message]).toEqual(['RangeError', 'offset out of bounds']);
    expect(plain.stack).toContain('(in the enhancer worker)');
    expect(roundTrip('a string').message).toBe('a string');
  });

  it('drops what cannot be cloned from details instead of failing to report the error', () => {
    const error = new EnhancerError({ code: 'OPTION_INVALID', message: 'bad', details: { option: 'onProgress', value: () => 1, n: 2 } });
    const rebuilt = roundTrip(error) as EnhancerError;
    expect(rebuilt.details).toEqual({ option: 'onProgress', n: 2 });
  });
});

describe('worker protocol: images', () => {
  it('a SolarImage arrives with an equal FitsHeader (values, comments, order) and the same pixels', () => {
    const header = new FitsHeader()
      .with('BUNIT', 'DN/s', 'units')
      .with('CDELT1', 0.504)
      .with('OBSERVED', true)
      .withHistory('read by a test');
    const image: SolarImage = { data: Float32Array.from([1, Number.NaN, 3, 4]), width: 2, height: 2, header };
    const rebuilt = fromTransferredImage(structuredClone(toTransferredImage(image))) as SolarImage;
    expect(rebuilt.header).toBeInstanceOf(FitsHeader);
    expect(rebuilt.header.toText()).toBe(header.toText());
    expect(rebuilt.header.getComment('BUNIT')).toBe('units');
    expect(Array.from(rebuilt.data)).toEqual([1, Number.NaN, 3, 4]);
    expect([rebuilt.width, rebuilt.height]).toEqual([2, 2]);
  });

  it('a plain image stays plain, and a non-object is passed on for core to reject', () => {
    const rebuilt = fromTransferredImage(toTransferredImage({ data: new Float32Array(4), width: 2, height: 2 }));
    expect('header' in rebuilt).toBe(false);
    expect(toTransferredImage(null as never)).toBe(null);
  });

  it("a FitsImage from the reader's worker keeps its HDU, BITPIX, header and pixels", () => {
    const header = new FitsHeader().with('BUNIT', 'Gauss', 'field').withHistory('a test');
    const image = readFits(writeFits({ data: Float32Array.from([1, Number.NaN, -3, 4, 5, 6]), width: 3, height: 2, header }), {
      file: 'b.fits',
    });
    const rebuilt = fromTransferredFitsImage(structuredClone(toTransferredFitsImage(image)));
    expect(rebuilt.header).toBeInstanceOf(FitsHeader);
    expect(rebuilt.header.toText()).toBe(image.header.toText());
    expect([rebuilt.width, rebuilt.height, rebuilt.hdu, rebuilt.bitpix]).toEqual([3, 2, 0, -32]);
    expect(Array.from(rebuilt.data)).toEqual([1, Number.NaN, -3, 4, 5, 6]);
  });
});
