import * as ort from 'onnxruntime-web';
import { EnhancerError, modelFileName } from '@enhance/core';
import type { EnhanceBackend, EnhanceKind, ModelPrecision, ModelVariant } from '@enhance/core';

/** Whether a WebGPU adapter that is a CPU emulation (SwiftShader), far slower than WASM, may be used. */
export type SoftwareWebGpuPolicy = 'allow' | 'reject';

export interface WebBackendOptions {
  /** URL prefix of the installed models. */
  modelBaseUrl?: string;
  /** 'reject' (what 'auto' uses) makes a WebGPU session fail on a software adapter, so WASM is picked. */
  softwareWebGpu?: SoftwareWebGpuPolicy;
}

/** onnxruntime-web behind core's backend interface; models are URLs fetched with the page's credentials. */
export function createWebBackend({ modelBaseUrl, softwareWebGpu = 'allow' }: WebBackendOptions): EnhanceBackend {
  const create = async (model: Uint8Array, options: ort.InferenceSession.SessionOptions) => {
    if (options.executionProviders?.includes('webgpu')) {
      // Probed here so that the reason reads as a sentence for the user, instead of onnxruntime-web's
      // advice to enable a browser flag (which only exposes the software adapter refused below).
      const adapter = await probeWebGpuAdapter();
      if (!adapter.available) throw new Error(adapter.reason);
      if (softwareWebGpu === 'reject' && adapter.software) {
        throw new Error(`the only WebGPU adapter is a software one (${adapter.software}), slower than WASM`);
      }
    }
    return createYieldingSession(model, options);
  };
  return Object.freeze({
    platform: 'web' as const,
    InferenceSession: { create: create as typeof ort.InferenceSession.create },
    Tensor: ort.Tensor,
    loadModel: (url: string) => fetchModel(url),
    async loadDefaultModel(kind: EnhanceKind, variant: ModelVariant, precision: ModelPrecision = 'fp32') {
      const name = modelFileName(kind, variant, precision);
      if (modelBaseUrl === undefined) {
        throw new EnhancerError({
          code: 'MODEL_NOT_INSTALLED',
          file: name,
          message: `no model location is known for the ${kind} model (${variant}): give a model URL or bytes (option 'model'), or 'modelBaseUrl'`,
          details: { kind, variant },
        });
      }
      const url = new URL(name, modelBaseUrl).href;
      const response = await fetchResponse(url);
      if (response.status === 404) {
        throw new EnhancerError({
          code: 'MODEL_NOT_INSTALLED',
          file: url,
          message: `no trained ${kind} model (${variant}) is served here (HTTP 404); give a model URL or bytes (option 'model')`,
          details: { kind, variant, url, status: 404 },
        });
      }
      return { bytes: await responseBytes(response, url), source: url };
    },
    async loadSupportFile(name: string) {
      if (modelBaseUrl === undefined) {
        throw new EnhancerError({
          code: 'MODEL_NOT_INSTALLED',
          file: name,
          message: `no model location is known for ${name}: give 'modelBaseUrl'`,
          details: { name },
        });
      }
      const url = new URL(name, modelBaseUrl).href;
      const response = await fetchResponse(url);
      if (response.status === 404) {
        throw new EnhancerError({
          code: 'MODEL_NOT_INSTALLED',
          file: url,
          message: `${name} is not served beside the models (HTTP 404)`,
          details: { name, url, status: 404 },
        });
      }
      return { bytes: await responseBytes(response, url), source: url };
    },
  });
}

/**
 * onnxruntime-web's WASM run finishes without returning to the event loop, so a worker busy with many
 * tiles would not see an abort message until the whole image is done. Each run first waits for one
 * macrotask (a MessageChannel round trip, not clamped like setTimeout), letting messages in between tiles.
 */
async function createYieldingSession(...args: unknown[]): Promise<ort.InferenceSession> {
  const session = await (ort.InferenceSession.create as (...a: unknown[]) => Promise<ort.InferenceSession>)(...args);
  const run = session.run.bind(session) as (...a: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
  (session as { run: unknown }).run = async (...runArgs: unknown[]) => {
    await nextMacrotask();
    return run(...runArgs);
  };
  return session;
}

/** What the browser offers for WebGPU: nothing (with why, as a sentence), or an adapter, named when it runs on the CPU. */
type WebGpuAdapterProbe = { available: false; reason: string } | { available: true; software?: string };

/** The reason given when the browser has no WebGPU adapter at all. */
const WEBGPU_UNAVAILABLE_REASON = 'WebGPU is not available in this browser';

let webGpuAdapterProbe: Promise<WebGpuAdapterProbe> | undefined;

/** Asks for an adapter once per page or worker (the answer does not change while it lives). */
function probeWebGpuAdapter(): Promise<WebGpuAdapterProbe> {
  webGpuAdapterProbe ??= (async (): Promise<WebGpuAdapterProbe> => {
    const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
    if (!gpu) {
      const insecure = globalThis.isSecureContext === false;
      return {
        available: false,
        reason: insecure ? 'WebGPU is not available on this page (it needs https:// or localhost)' : WEBGPU_UNAVAILABLE_REASON,
      };
    }
    const adapter = (await gpu.requestAdapter().catch(() => null)) as
      { isFallbackAdapter?: boolean; info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } } | null | undefined;
    if (!adapter) return { available: false, reason: WEBGPU_UNAVAILABLE_REASON };
    const { vendor = '', architecture = '' } = adapter.info ?? {};
    const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    const software = fallback || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${vendor} ${architecture}`);
    return software ? { available: true, software: `${vendor} ${architecture}`.trim() || 'fallback adapter' } : { available: true };
  })();
  return webGpuAdapterProbe;
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

async function fetchModel(url: string): Promise<Uint8Array> {
  return responseBytes(await fetchResponse(url), url);
}

async function fetchResponse(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    throw new EnhancerError({
      code: 'MODEL_NOT_FOUND',
      file: url,
      message: `cannot fetch the model (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
      details: { url },
    });
  }
}

async function responseBytes(response: Response, url: string): Promise<Uint8Array> {
  if (!response.ok) {
    throw new EnhancerError({
      code: 'MODEL_NOT_FOUND',
      file: url,
      message: `cannot fetch the model: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      details: { url, status: response.status },
    });
  }
  return new Uint8Array(await response.arrayBuffer());
}
