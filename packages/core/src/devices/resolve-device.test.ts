import { beforeEach, describe, expect, it } from 'vitest';
import { EnhanceError } from '../errors/index.js';
import { AUTO_DEVICE_ORDER, DEVICES, devicesFor } from './enhance-device.js';
import { NoDeviceAvailableError, UnknownDeviceError } from './device-errors.js';
import { clearDeviceFailures, expandDevice, resolveDevice } from './resolve-device.js';

beforeEach(() => clearDeviceFailures());

describe('device table', () => {
  it('is frozen and maps every device to execution providers', () => {
    expect(Object.isFrozen(DEVICES)).toBe(true);
    expect(Object.isFrozen(DEVICES.cuda)).toBe(true);
    expect(DEVICES.cuda.executionProviders).toEqual(['cuda']);
    expect(DEVICES.wasm.executionProviders).toEqual(['wasm']);
  });

  it("expands 'auto' to the platform's fallback order", () => {
    expect(expandDevice('auto', 'node')).toEqual(['cuda', 'cpu']);
    expect(expandDevice('auto', 'web')).toEqual(['webgpu', 'wasm']);
    expect(expandDevice('cpu', 'node')).toEqual(['cpu']);
    expect(AUTO_DEVICE_ORDER.node).toEqual(['cuda', 'cpu']);
  });

  it('rejects an unknown device, listing the allowed values', () => {
    const error = (() => {
      try {
        expandDevice('gpu0', 'node');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UnknownDeviceError);
    expect(EnhanceError.isInstance(error)).toBe(true);
    expect((error as UnknownDeviceError).code).toBe('DEVICE_UNKNOWN');
    expect((error as Error).message).toBe(`device "gpu0" is not available on node: expected one of 'auto', 'cpu', 'cuda', 'webgpu'`);
    expect((error as UnknownDeviceError).allowed).toEqual(devicesFor('node'));
  });

  it('rejects a device of the other platform and non-string values', () => {
    expect(() => expandDevice('wasm', 'node')).toThrow(/"wasm" is not available on node/);
    expect(() => expandDevice('cuda', 'web')).toThrow(/expected one of 'auto', 'wasm', 'webgpu'/);
    expect(() => expandDevice(3, 'web')).toThrow(UnknownDeviceError);
  });
});

describe('resolveDevice', () => {
  it('falls back from cuda to cpu with exactly one warning that says why', async () => {
    const warnings: string[] = [];
    const attempted: string[] = [];
    const result = await resolveDevice({
      device: 'auto',
      platform: 'node',
      onWarning: (message) => warnings.push(message),
      attempt: async (device) => {
        attempted.push(device);
        if (device === 'cuda') throw new Error('Failed to load shared library\nsecond line of native log');
        return `session on ${device}`;
      },
    });
    expect(result.device).toBe('cpu');
    expect(result.value).toBe('session on cpu');
    expect(attempted).toEqual(['cuda', 'cpu']);
    expect(warnings).toEqual([`device 'cuda' unavailable ([cuda] Failed to load shared library); using 'cpu'`]);
    expect(result.failures).toEqual([{ device: 'cuda', reason: 'Failed to load shared library' }]);
  });

  it("remembers a failure for 'auto' but retries a device asked for by name", async () => {
    const attempted: string[] = [];
    const attempt = async (device: string) => {
      attempted.push(device);
      if (device === 'cuda') throw new Error('no CUDA');
      return device;
    };
    await resolveDevice({ device: 'auto', platform: 'node', attempt });
    await resolveDevice({ device: 'auto', platform: 'node', attempt });
    expect(attempted).toEqual(['cuda', 'cpu', 'cpu']);
    await expect(resolveDevice({ device: 'cuda', platform: 'node', attempt })).rejects.toThrow('[cuda] no CUDA');
    expect(attempted).toEqual(['cuda', 'cpu', 'cpu', 'cuda']);
  });

  it('throws one error listing every [name] reason when nothing works', async () => {
    const warnings: string[] = [];
    const promise = resolveDevice({
      device: 'auto',
      platform: 'web',
      file: 'model.onnx',
      onWarning: (message) => warnings.push(message),
      attempt: async (device) => {
        throw new Error(`${device} says no`);
      },
    });
    const error = await promise.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoDeviceAvailableError);
    expect((error as Error).message).toBe('model.onnx: no device could run the model: [webgpu] webgpu says no; [wasm] wasm says no');
    expect((error as NoDeviceAvailableError).failures.map((f) => f.device)).toEqual(['webgpu', 'wasm']);
    expect(warnings).toEqual([]);
  });

  it("'auto' passes over a device that is not installed without trying it and without a warning", async () => {
    const warnings: string[] = [];
    const attempted: string[] = [];
    const result = await resolveDevice({
      device: 'auto',
      platform: 'node',
      notInstalled: (device) => (device === 'cuda' ? 'the CUDA provider is not installed' : undefined),
      onWarning: (message) => warnings.push(message),
      attempt: async (device) => {
        attempted.push(device);
        return device;
      },
    });
    expect(result.device).toBe('cpu');
    expect(attempted).toEqual(['cpu']);
    expect(warnings).toEqual([]);
    expect(result.failures).toEqual([{ device: 'cuda', reason: 'the CUDA provider is not installed' }]);
  });

  it('warns when an installed provider fails, and tries a device asked for by name even when not installed', async () => {
    const warnings: string[] = [];
    const installed = await resolveDevice({
      device: 'auto',
      platform: 'node',
      notInstalled: () => undefined,
      onWarning: (message) => warnings.push(message),
      attempt: async (device) => {
        if (device === 'cuda') throw new Error('libcudnn.so.9: cannot open shared object file');
        return device;
      },
    });
    expect(installed.device).toBe('cpu');
    expect(warnings).toEqual([`device 'cuda' unavailable ([cuda] libcudnn.so.9: cannot open shared object file); using 'cpu'`]);

    const attempted: string[] = [];
    const named = resolveDevice({
      device: 'cuda',
      platform: 'node',
      notInstalled: () => 'the CUDA provider is not installed',
      attempt: async (device) => {
        attempted.push(device);
        throw new Error('Failed to load shared library');
      },
    });
    await expect(named).rejects.toThrow('no device could run the model: [cuda] Failed to load shared library');
    expect(attempted).toEqual(['cuda']);
  });

  it('does not warn when the first device works', async () => {
    const warnings: string[] = [];
    const result = await resolveDevice({ device: 'auto', platform: 'web', onWarning: (m) => warnings.push(m), attempt: async (d) => d });
    expect(result.device).toBe('webgpu');
    expect(warnings).toEqual([]);
  });
});
