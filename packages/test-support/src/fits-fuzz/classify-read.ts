import { EnhanceError, readFits } from '@enhance/core';

/**
 * What reading one file did. Expected outcomes are an image or an EnhanceError (by code); anything
 * else is a defect: another exception, an image whose size does not add up, an error that does not
 * name the file, a read slower than the budget. Timeouts and runaway memory are seen by the
 * supervisor, which runs the reads in a worker.
 */
export interface ReadOutcome {
  /** 'ok-image', 'enhance-error FITS_BAD_HEADER', 'exception RangeError: Invalid typed array length', 'timeout', ... */
  readonly outcome: string;
  readonly defect: boolean;
  readonly ms: number;
  /** The error message or what was wrong with the image. */
  readonly message?: string;
}

/** The first words of a message with its numbers blanked: one class per kind of failure, not per value. */
function messageShape(message: string): string {
  return message
    .split('\n')[0]
    .replace(/-?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|Infinity)/gi, 'N')
    .split(/\s+/)
    .slice(0, 6)
    .join(' ');
}

/**
 * Reads the file and classifies what happened. A read over `slowMs` is timed twice more and counts
 * as slow only if every try is: a pause of the machine (garbage collection, another process) is not a
 * defect of the reader, a read that is slow each time is.
 */
export function classifyRead(bytes: Uint8Array, file: string, slowMs: number): ReadOutcome {
  const result = readOnce(bytes, file);
  if (result.defect || result.ms <= slowMs) return result;
  let fastest = result.ms;
  for (let retry = 0; retry < 2 && fastest > slowMs; retry += 1) fastest = Math.min(fastest, readOnce(bytes, file).ms);
  if (fastest <= slowMs) return { ...result, ms: fastest };
  return {
    outcome: 'slow',
    defect: true,
    ms: fastest,
    message: `${result.outcome} after ${fastest.toFixed(0)} ms (the fastest of three reads)`,
  };
}

function readOnce(bytes: Uint8Array, file: string): ReadOutcome {
  const started = performance.now();
  let result: Omit<ReadOutcome, 'ms'>;
  try {
    const image = readFits(bytes, { file });
    const { width, height, data } = image;
    const sane = Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1 && data.length === width * height;
    result = sane
      ? { outcome: 'ok-image', defect: false }
      : { outcome: 'invalid-image', defect: true, message: `${width}×${height} image with ${data.length} values` };
  } catch (error) {
    if (EnhanceError.isInstance(error)) {
      result =
        error.file === file
          ? { outcome: `enhance-error ${error.code}`, defect: false, message: error.message }
          : { outcome: `error-without-file ${error.code}`, defect: true, message: error.message };
    } else if (error instanceof Error) {
      result = { outcome: `exception ${error.constructor.name}: ${messageShape(error.message)}`, defect: true, message: error.message };
    } else {
      result = { outcome: 'exception (not an Error)', defect: true, message: String(error) };
    }
  }
  return { ...result, ms: performance.now() - started };
}
