import { EnhanceError } from '../errors/index.js';
import type { ConcreteDevice, RuntimePlatform } from './enhance-device.js';

/** A device name that is not in the table, or not offered on this platform. */
export class UnknownDeviceError extends EnhanceError {
  readonly device: unknown;
  readonly allowed: readonly string[];

  constructor({ device, platform, allowed }: { device: unknown; platform: RuntimePlatform; allowed: readonly string[] }) {
    super({
      code: 'DEVICE_UNKNOWN',
      message: `device ${JSON.stringify(device)} is not available on ${platform}: expected one of ${allowed.map((name) => `'${name}'`).join(', ')}`,
    });
    this.name = 'UnknownDeviceError';
    this.device = device;
    this.allowed = allowed;
  }
}

export interface DeviceFailure {
  readonly device: ConcreteDevice;
  readonly reason: string;
}

/** Every device that was tried failed; the message lists each one as `[name] reason`. */
export class NoDeviceAvailableError extends EnhanceError {
  readonly failures: readonly DeviceFailure[];

  constructor({ failures, file }: { failures: readonly DeviceFailure[]; file?: string }) {
    super({
      code: 'DEVICE_UNAVAILABLE',
      file,
      message: `no device could run the model: ${failures.map(({ device, reason }) => `[${device}] ${reason}`).join('; ')}`,
    });
    this.name = 'NoDeviceAvailableError';
    this.failures = failures;
  }
}
