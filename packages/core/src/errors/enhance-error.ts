const marker = Symbol.for('@enhance/error');

/**
 * Base class of every error the project throws on purpose. The marker lets `isInstance` recognise
 * errors across duplicate installs of the package (two copies of @enhance/core in one tree).
 */
export class EnhanceError extends Error {
  readonly [marker] = true;
  /** A stable machine-readable code, e.g. 'FITS_TRUNCATED', 'GRAPH_SHAPE'. */
  readonly code: string;
  /** The file the problem is in, when there is one. */
  readonly file: string | undefined;

  constructor({ message, code, file, cause }: { message: string; code: string; file?: string; cause?: unknown }) {
    super(file ? `${file}: ${message}` : message, cause === undefined ? undefined : { cause });
    this.name = 'EnhanceError';
    this.code = code;
    this.file = file;
  }

  static isInstance(error: unknown): error is EnhanceError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
