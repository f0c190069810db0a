/** A batch in NCHW layout: inputs [count, 1, P, P], targets [count, 1, 2P, 2P], float32. */
export interface TrainingBatch {
  readonly count: number;
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
}

/**
 * What the training loop needs from a training set; `loadTrainingSet` (../data) provides it for the
 * real data, tests pass small synthetic sets.
 */
export interface TrainingData {
  /** Side of the input patches (the paper's 50). */
  readonly patchSize: number;
  readonly train: {
    /** Random patch pairs with the training-time input noise already added, drawn from `random`. */
    sampleBatch(count: number, random: () => number): TrainingBatch;
    /**
     * When present, replaces a drawn batch's targets before the step (distillation: another model's
     * outputs for the same inputs). The training loop awaits it; nothing else draws targets through it.
     */
    relabel?(batch: TrainingBatch): Promise<TrainingBatch>;
  };
  readonly validation: {
    /** The fixed validation patches, `size` at a time (the last batch may be smaller). */
    batches(size: number): Iterable<TrainingBatch>;
    /**
     * Where the patches come from, in their order (consecutive runs, `patches` each, summing to all of
     * them): the validation error is also reported per group, so that one large source does not hide another.
     */
    readonly groups?: readonly ValidationGroup[];
  };
  /** A JSON-serialisable description (sources, checksums, splits), stored in checkpoints and model metadata. */
  readonly description: Record<string, unknown>;
}

/** A run of consecutive validation patches from one source. */
export interface ValidationGroup {
  readonly name: string;
  readonly patches: number;
}

/**
 * Fixed patches held in one inputs and one targets array (NCHW, `patchSize` inputs, twice that targets),
 * handed out `size` at a time as views (the last batch may be smaller): no copy per batch.
 */
export function* batchViews(inputs: Float32Array, targets: Float32Array, patchSize: number, size: number): Generator<TrainingBatch> {
  const inputLength = patchSize * patchSize;
  const count = inputs.length / inputLength;
  for (let start = 0; start < count; start += size) {
    const end = Math.min(count, start + size);
    yield {
      count: end - start,
      inputs: inputs.subarray(start * inputLength, end * inputLength),
      targets: targets.subarray(start * 4 * inputLength, end * 4 * inputLength),
    };
  }
}

/** The patches of `batches` in one inputs and one targets array, in order (for `batchViews`). */
export function concatenateBatches(batches: readonly TrainingBatch[], patchSize: number): { inputs: Float32Array; targets: Float32Array } {
  const inputLength = patchSize * patchSize;
  const count = batches.reduce((n, b) => n + b.count, 0);
  const inputs = new Float32Array(count * inputLength);
  const targets = new Float32Array(count * 4 * inputLength);
  let at = 0;
  for (const batch of batches) {
    inputs.set(batch.inputs, at * inputLength);
    targets.set(batch.targets, at * 4 * inputLength);
    at += batch.count;
  }
  return { inputs, targets };
}
