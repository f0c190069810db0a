import {
  ENHANCER_ERROR_CODES,
  EnhanceError,
  EnhancerError,
  FitsError,
  FitsHeader,
  NoDeviceAvailableError,
  UnknownDeviceError,
} from '@enhance/core';
import type {
  ConcreteDevice,
  DeviceFailure,
  EnhancerOptions,
  EnhanceKind,
  EnhanceModelInfo,
  EnhanceProgressEvent,
  EnhancerErrorCode,
  FitsBitpix,
  FitsCard,
  FitsErrorCode,
  FitsImage,
  FitsImageFloat64,
  PlainImage,
  QualityOptions,
  ReadFitsOptions,
  ScaleOption,
  SolarImage,
} from '@enhance/core';
import { WebRuntimeError } from './web-runtime-error.js';
import type { TransferredQuality } from './quality-transfer.js';
import type { WebRuntimeErrorCode } from './web-runtime-error.js';

/** An image as it crosses the worker boundary: FitsHeader is a class, so its cards travel instead. */
export interface TransferredImage {
  data: Float32Array;
  width: number;
  height: number;
  headerCards?: FitsCard[];
}

/** The enhancer options that can be cloned (callbacks stay on the page and are fed by messages). */
export interface TransferredEnhancerOptions extends Omit<EnhancerOptions, 'onProgress' | 'onWarning'> {
  wasmPaths?: string;
  modelBaseUrl?: string;
}

/**
 * One worker serves every enhancer of a page that shares its onnxruntime-web settings (starting the
 * WebAssembly runtime is the slow part), so each message names its enhancer; runs also carry an id.
 */
export type PageToWorkerMessage =
  | { type: 'create'; enhancerId: number; options: TransferredEnhancerOptions }
  | {
      type: 'enhance';
      enhancerId: number;
      id: number;
      image: TransferredImage;
      scale?: ScaleOption;
      history?: string[];
      quality?: QualityOptions;
    }
  | { type: 'abort'; enhancerId: number; id: number; reason?: string }
  | { type: 'dispose'; enhancerId: number };

export interface CreatedEnhancerSummary {
  info: EnhanceModelInfo;
  kind: EnhanceKind;
  device: ConcreteDevice;
  deviceFailures: DeviceFailure[];
  threads: number;
}

export type WorkerToPageMessage = { enhancerId: number } & (
  | { type: 'created'; enhancer: CreatedEnhancerSummary }
  | { type: 'progress'; id?: number; event: EnhanceProgressEvent }
  | { type: 'warning'; message: string }
  | {
      type: 'result';
      id: number;
      image: TransferredImage;
      device: ConcreteDevice;
      scale: number;
      tiles: number;
      tilesSkipped: number;
      timeMs: number;
      quality: TransferredQuality;
    }
  | { type: 'error'; id?: number; error: TransferredError }
  | { type: 'disposed' }
);

/**
 * The FITS reader's worker reads one file per message: the bytes go in (transferred when the page allows
 * it), the pixels come back transferred, with the header as cards. A read that does not answer in time is
 * ended by terminating the worker, so the messages need no abort.
 */
export interface PageToFitsReaderMessage {
  type: 'read';
  id: number;
  bytes: Uint8Array;
  options: ReadFitsOptions;
}

export interface TransferredFitsImage {
  data: Float32Array | Float64Array;
  width: number;
  height: number;
  headerCards: FitsCard[];
  hdu: number;
  bitpix: FitsBitpix;
}

export type FitsReaderToPageMessage =
  { type: 'read'; id: number; image: TransferredFitsImage } | { type: 'error'; id: number; error: TransferredError };

export function toTransferredFitsImage(image: FitsImage | FitsImageFloat64): TransferredFitsImage {
  const { data, width, height, header, hdu, bitpix } = image;
  return { data, width, height, headerCards: header.cards.map((card) => ({ ...card })), hdu, bitpix };
}

export function fromTransferredFitsImage(image: TransferredFitsImage): FitsImage | FitsImageFloat64 {
  const { data, width, height, headerCards, hdu, bitpix } = image;
  return { data, width, height, header: new FitsHeader(headerCards), hdu, bitpix } as FitsImage | FitsImageFloat64;
}

export function toTransferredImage(image: PlainImage | SolarImage): TransferredImage {
  // Anything else is passed on as it is, for core's image check to reject with its usual message.
  if (typeof image !== 'object' || image === null) return image as never;
  const header = (image as Partial<SolarImage>).header;
  return {
    data: image.data,
    width: image.width,
    height: image.height,
    ...(header ? { headerCards: header.cards.map((card) => ({ ...card })) } : {}),
  };
}

export function fromTransferredImage(image: TransferredImage): PlainImage | SolarImage {
  const { data, width, height, headerCards } = image;
  return headerCards ? { data, width, height, header: new FitsHeader(headerCards) } : { data, width, height };
}

/** An error reduced to what structured clone keeps, with enough to rebuild the same class and code. */
export interface TransferredError {
  name: string;
  /** The message without the file prefix that EnhanceError adds back. */
  message: string;
  code?: string;
  file?: string;
  details?: Record<string, unknown>;
  failures?: DeviceFailure[];
  device?: unknown;
  allowed?: string[];
  stack?: string;
}

export function toTransferredError(error: unknown): TransferredError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const transferred: TransferredError = { name: error.name, message: error.message, stack: error.stack };
  if (EnhanceError.isInstance(error)) {
    const { code, file } = error;
    transferred.code = code;
    if (file !== undefined) {
      transferred.file = file;
      if (error.message.startsWith(`${file}: `)) transferred.message = error.message.slice(file.length + 2);
    }
    const extra = error as unknown as Record<string, unknown>;
    if (extra.details !== undefined) transferred.details = cloneable(extra.details) as Record<string, unknown>;
    if (Array.isArray(extra.failures)) transferred.failures = extra.failures as DeviceFailure[];
    if (Array.isArray(extra.allowed)) {
      transferred.allowed = extra.allowed as string[];
      transferred.device = cloneable(extra.device);
    }
  }
  return transferred;
}

/**
 * Rebuilds the error on the page as the class the worker threw, so `instanceof` and `code` work the same
 * (any FITS_ code, the reader's present and future ones, as a FitsError with its details).
 */
export function fromTransferredError(transferred: TransferredError): Error {
  const { name, message, code, file, details = {} } = transferred;
  let error: Error;
  if (code === 'DEVICE_UNAVAILABLE' && transferred.failures) {
    error = new NoDeviceAvailableError({ failures: transferred.failures, file });
  } else if (code === 'DEVICE_UNKNOWN' && transferred.allowed) {
    error = new UnknownDeviceError({ device: transferred.device, platform: 'web', allowed: transferred.allowed });
  } else if (code !== undefined && (ENHANCER_ERROR_CODES as readonly string[]).includes(code)) {
    error = new EnhancerError({ code: code as EnhancerErrorCode, message, file, details });
  } else if (code?.startsWith('FITS_')) {
    error = new FitsError({ code: code as FitsErrorCode, message, file, details });
  } else if (code === 'WORKER_FAILED' || code === 'WORKER_UNAVAILABLE' || code === 'WORKER_TIMEOUT') {
    error = new WebRuntimeError({ code: code as WebRuntimeErrorCode, message, file, details });
  } else if (code !== undefined) {
    error = new EnhanceError({ code, message, file });
    error.name = name;
  } else {
    error = new Error(message);
    error.name = name;
  }
  if (transferred.stack)
    error.stack = `${error.name}: ${error.message}\n    (in the enhancer worker)\n${transferred.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

/** Drops what structured clone would reject (functions, class instances with private state) from details. */
function cloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value, (_key, item) => (typeof item === 'function' ? undefined : item)) ?? 'null');
  }
}
