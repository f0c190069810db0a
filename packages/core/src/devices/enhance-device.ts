import type { InferenceSession } from 'onnxruntime-common';

/** Where a model runs. 'auto' picks the best one available on the platform, in a fixed order. */
export type EnhanceDevice = 'auto' | 'cpu' | 'cuda' | 'wasm' | 'webgpu';
/** A device that names one execution provider (everything but 'auto'). */
export type ConcreteDevice = Exclude<EnhanceDevice, 'auto'>;
/** The two hosts the runtimes target; each offers a different set of execution providers. */
export type RuntimePlatform = 'node' | 'web';

export interface DeviceSpec {
  /** What onnxruntime is asked for, in order (onnxruntime adds its CPU kernels as a fallback itself). */
  readonly executionProviders: readonly InferenceSession.ExecutionProviderConfig[];
  /** Platforms whose onnxruntime build ships this provider. */
  readonly platforms: readonly RuntimePlatform[];
}

/** The one table from device names to onnxruntime execution providers. */
export const DEVICES: Readonly<Record<ConcreteDevice, DeviceSpec>> = Object.freeze({
  cpu: Object.freeze({ executionProviders: Object.freeze(['cpu']), platforms: Object.freeze(['node'] as const) }),
  cuda: Object.freeze({ executionProviders: Object.freeze(['cuda']), platforms: Object.freeze(['node'] as const) }),
  wasm: Object.freeze({ executionProviders: Object.freeze(['wasm']), platforms: Object.freeze(['web'] as const) }),
  webgpu: Object.freeze({
    executionProviders: Object.freeze(['webgpu']),
    platforms: Object.freeze(['web', 'node'] as const),
  }),
});

/** What 'auto' tries, best first: a GPU when there is one, else the portable CPU provider. */
export const AUTO_DEVICE_ORDER: Readonly<Record<RuntimePlatform, readonly ConcreteDevice[]>> = Object.freeze({
  node: Object.freeze(['cuda', 'cpu'] as const),
  web: Object.freeze(['webgpu', 'wasm'] as const),
});

export const ENHANCE_DEVICES: readonly EnhanceDevice[] = Object.freeze(['auto', 'cpu', 'cuda', 'wasm', 'webgpu']);

/** The devices a user may ask for on a platform, 'auto' first. */
export function devicesFor(platform: RuntimePlatform): EnhanceDevice[] {
  const concrete = (Object.keys(DEVICES) as ConcreteDevice[]).filter((name) => DEVICES[name].platforms.includes(platform));
  return ['auto', ...concrete];
}
