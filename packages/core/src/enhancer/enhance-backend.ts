import type { InferenceSession, TensorConstructor } from 'onnxruntime-common';
import type { ConcreteDevice, RuntimePlatform } from '../devices/index.js';
import type { EnhanceKind, ModelPrecision, ModelVariant } from '../kinds.js';

/**
 * What a runtime package injects into the shared enhancer: its onnxruntime build (onnxruntime-node and
 * onnxruntime-web share the onnxruntime-common API) and how it finds model files on its platform.
 */
export interface EnhanceBackend {
  readonly platform: RuntimePlatform;
  readonly InferenceSession: Pick<typeof InferenceSession, 'create'>;
  readonly Tensor: TensorConstructor;
  /** Reads a model named by the user: a file path in Node, a URL in the browser. */
  loadModel(source: string): Promise<Uint8Array>;
  /**
   * Reads the trained model shipped for a kind, variant and precision; throws an EnhancerError with code
   * 'MODEL_NOT_INSTALLED' when there is none, so untrained weights are never picked silently.
   */
  loadDefaultModel(kind: EnhanceKind, variant: ModelVariant, precision?: ModelPrecision): Promise<{ bytes: Uint8Array; source: string }>;
  /**
   * Why a device's execution provider is not part of this install (onnxruntime-node's CUDA provider is an
   * optional download), or undefined when it is: 'auto' then passes over it without trying or warning.
   * Absent: every device of the platform counts as installed.
   */
  notInstalled?(device: ConcreteDevice): string | undefined;
  /**
   * Reads a file shipped beside the trained models by name (the quality check's hmi-redegrade.onnx and
   * qa-reference.json); throws an EnhancerError with code 'MODEL_NOT_INSTALLED' when it is not there.
   * Absent: the runtime offers no quality check.
   */
  loadSupportFile?(name: string): Promise<{ bytes: Uint8Array; source: string }>;
}
