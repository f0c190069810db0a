import { AUTO_DEVICE_ORDER, DEVICES, devicesFor } from './enhance-device.js';
import type { ConcreteDevice, EnhanceDevice, RuntimePlatform } from './enhance-device.js';
import { NoDeviceAvailableError, UnknownDeviceError } from './device-errors.js';
import type { DeviceFailure } from './device-errors.js';

/** The ordered list of concrete devices a request stands for; throws on a name the platform lacks. */
export function expandDevice(device: unknown, platform: RuntimePlatform): ConcreteDevice[] {
  const allowed = devicesFor(platform);
  if (typeof device !== 'string' || !allowed.includes(device as EnhanceDevice)) {
    throw new UnknownDeviceError({ device, platform, allowed });
  }
  return device === 'auto' ? [...AUTO_DEVICE_ORDER[platform]] : [device as ConcreteDevice];
}

/**
 * Failures of a provider do not change while the process lives (a missing CUDA library stays missing),
 * so 'auto' skips a device that already failed instead of paying for the attempt (and its logs) again.
 */
const knownFailures = new Map<string, string>();

export interface ResolveDeviceOptions<T> {
  device: unknown;
  platform: RuntimePlatform;
  /** Creates whatever needs the device (a session); a throw marks the device as unusable. */
  attempt: (device: ConcreteDevice, spec: (typeof DEVICES)[ConcreteDevice]) => Promise<T>;
  /**
   * Why a device's execution provider is missing from this install (undefined when it is there). 'auto'
   * passes over a missing device without an attempt and without a warning: a CPU-only install is normal.
   * A device asked for by name is attempted anyway, so its error says what onnxruntime says.
   */
  notInstalled?: (device: ConcreteDevice) => string | undefined;
  /** Told once when 'auto' had to pass over a better device that is installed but failed. */
  onWarning?: (message: string) => void;
  /** Named in the error when nothing works. */
  file?: string;
}

export interface ResolvedDevice<T> {
  device: ConcreteDevice;
  value: T;
  /** The devices passed over on the way, with why (those not installed included). */
  failures: DeviceFailure[];
}

/**
 * Walks the device list in order and returns the first that works. An explicit device is always
 * attempted (the user asked for it); a failure remembered from earlier is reused only by 'auto'.
 */
export async function resolveDevice<T>(options: ResolveDeviceOptions<T>): Promise<ResolvedDevice<T>> {
  const { device, platform, attempt, notInstalled, onWarning, file } = options;
  const candidates = expandDevice(device, platform);
  const failures: DeviceFailure[] = [];
  const missing = new Set<ConcreteDevice>();
  for (const candidate of candidates) {
    const absent = device === 'auto' ? notInstalled?.(candidate) : undefined;
    if (absent !== undefined) {
      failures.push({ device: candidate, reason: absent });
      missing.add(candidate);
      continue;
    }
    const cacheKey = `${platform}:${candidate}`;
    const remembered = device === 'auto' ? knownFailures.get(cacheKey) : undefined;
    if (remembered !== undefined) {
      failures.push({ device: candidate, reason: remembered });
      continue;
    }
    try {
      const value = await attempt(candidate, DEVICES[candidate]);
      const failed = failures.filter((f) => !missing.has(f.device));
      if (failed.length > 0) {
        onWarning?.(
          `device ${failed.map((f) => `'${f.device}'`).join(', ')} unavailable (${failed.map((f) => `[${f.device}] ${f.reason}`).join('; ')}); using '${candidate}'`,
        );
      }
      return { device: candidate, value, failures };
    } catch (error) {
      const reason = firstLine(error instanceof Error ? error.message : String(error));
      knownFailures.set(cacheKey, reason);
      failures.push({ device: candidate, reason });
    }
  }
  throw new NoDeviceAvailableError({ failures, file });
}

/** Forgets remembered failures (after a driver was installed, or between tests). */
export function clearDeviceFailures(): void {
  knownFailures.clear();
}

function firstLine(text: string): string {
  const line = text.split('\n').find((part) => part.trim() !== '') ?? text;
  return line.trim();
}
