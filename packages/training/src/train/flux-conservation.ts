import { AutodiffError, type GraphBuilder, type Operand } from '@enhance/graph-builder';

/**
 * The paper's flux check as a training term: a deconvolution reallocates the magnetic field, it does not
 * create it, so the total unsigned flux of the output (Σ|B_out|/4 on the ×2 grid) should equal that of
 * the input (Σ|B_in|). The term is the squared relative difference of the two totals over the whole
 * batch, ((Σ|B_out|/4 − Σ|B_in|) / Σ|B_in|)²: totals over many patches, as the check's are over a whole
 * map, so strong fields weigh as much as they do there and a noise-only patch does not ask the network to
 * keep its noise.
 */
export interface FluxConservationTerm {
  /** Scalar: the squared relative difference of the batch's unsigned flux, output against input. */
  loss: Operand;
  /** Scalar: Σ|B_out|/4 over Σ|B_in| for the batch (what the term drives to 1). */
  ratio: Operand;
}

export function fluxConservationTerm(b: GraphBuilder, prediction: Operand, input: Operand): FluxConservationTerm {
  const [batch, channels, height, width] = prediction.shape.map(Number);
  const [inBatch, inChannels, inHeight, inWidth] = input.shape.map(Number);
  if (channels !== 1 || inChannels !== 1 || inBatch !== batch || height !== 2 * inHeight || width !== 2 * inWidth) {
    throw new AutodiffError({
      message: `the flux term needs a [B, 1, 2H, 2W] prediction for a [B, 1, H, W] input, got [${prediction.shape.join(',')}] and [${input.shape.join(',')}]`,
      code: 'AUTODIFF_UNSUPPORTED_OP',
      node: 'flux_conservation',
    });
  }
  const absoluteSum = (x: Operand) => b.reduceSum(b.abs(x), { keepDims: false });
  const fluxIn = absoluteSum(input);
  const fluxOut = b.mul(absoluteSum(prediction), b.scalar(0.25));
  const ratio = b.div(fluxOut, fluxIn, { label: 'flux.ratio' });
  const excess = b.sub(ratio, b.scalar(1));
  return { loss: b.mul(excess, excess, { label: 'flux.loss' }), ratio };
}
