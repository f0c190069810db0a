import { EnhanceError } from '@enhance/core';

/** A degradation-physics operator was given values it cannot work with (sizes, scales, parameters). */
export class PhysicsError extends EnhanceError {
  constructor(options: { message: string; code: 'PHYSICS_ARGUMENT' | 'PHYSICS_SHAPE'; file?: string; cause?: unknown }) {
    super(options);
    this.name = 'PhysicsError';
  }
}
