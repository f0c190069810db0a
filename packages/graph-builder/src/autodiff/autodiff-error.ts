import { EnhanceError } from '@enhance/core';

export type AutodiffErrorCode = 'AUTODIFF_UNSUPPORTED_OP' | 'AUTODIFF_UNSUPPORTED_ATTRIBUTE' | 'AUTODIFF_SYMBOLIC_SHAPE' | 'AUTODIFF_LOSS';

/** A forward graph that the reverse-mode differentiator cannot handle; names the node and the values. */
export class AutodiffError extends EnhanceError {
  readonly node: string | undefined;

  constructor({ message, code, node, cause }: { message: string; code: AutodiffErrorCode; node?: string; cause?: unknown }) {
    super({ message: node === undefined ? message : `node '${node}': ${message}`, code, cause });
    this.name = 'AutodiffError';
    this.node = node;
  }
}
