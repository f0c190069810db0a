import type { ConcreteDevice } from '../devices/index.js';

/** One callback receives every stage, told apart by `status`. */
export type EnhanceProgressEvent =
  | { status: 'loading'; source: string }
  | { status: 'ready'; device: ConcreteDevice; source: string }
  | { status: 'progress'; loaded: number; total: number; unit: 'tiles' }
  | { status: 'done'; tiles: number; timeMs: number };

export type EnhanceProgressCallback = (event: EnhanceProgressEvent) => void;
