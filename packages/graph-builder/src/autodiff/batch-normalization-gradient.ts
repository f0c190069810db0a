import type { GradientRule } from './gradient-context.js';
import { floatAttribute, intAttribute, staticShape, unsupportedAttribute } from './gradient-context.js';

/**
 * BatchNormalization in training mode (training_mode = 1, batch statistics over N, H, W).
 * With x̂ = (x − μ)/sqrt(σ² + ε) (biased σ²) and n = N·H·W values per channel:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/sqrt(σ² + ε) · (dy − dβ/n − x̂·dγ/n).
 * The batch statistics are recomputed here rather than taken from the forward node, whose outputs
 * only hold the updated running averages. The running-statistics outputs carry no gradient.
 */
export const batchNormalizationGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const node = c.node;
  if (intAttribute(node, 'training_mode', 0) !== 1) {
    throw unsupportedAttribute(node, 'training_mode', 0);
  }
  const b = c.builder;
  const x = c.input(0)!;
  const gamma = c.input(1)!;
  const shape = staticShape(x, node);
  const [batch, channels, ...spatial] = shape;
  const count = batch * spatial.reduce((p, d) => p * d, 1);
  const axes = [0, ...spatial.map((_, i) => i + 2)];
  const perChannel = [1, channels, ...spatial.map(() => 1)];
  const epsilon = floatAttribute(node, 'epsilon', 1e-5);
  const type = x.dataType;

  const mean = b.reduceMean(x, { axes, keepDims: true });
  const centred = b.sub(x, mean);
  const variance = b.reduceMean(b.mul(centred, centred), { axes, keepDims: true });
  const invStd = b.reciprocal(b.sqrt(b.add(variance, b.scalar(epsilon, type))));
  const normalised = b.mul(centred, invStd);

  const dBeta = b.reduceSum(dy, { axes, keepDims: false });
  const dGamma = b.reduceSum(b.mul(dy, normalised), { axes, keepDims: false });
  if (c.wantsGradient(2)) c.addInputGradient(2, dBeta);
  if (c.wantsGradient(1)) c.addInputGradient(1, dGamma);
  if (c.wantsGradient(0)) {
    const inverseCount = b.scalar(1 / count, type);
    const scale = b.mul(b.reshape(gamma, perChannel), invStd);
    const meanDy = b.mul(b.reshape(dBeta, perChannel), inverseCount);
    const meanDyXhat = b.mul(b.reshape(dGamma, perChannel), inverseCount);
    const inner = b.sub(b.sub(dy, meanDy), b.mul(normalised, meanDyXhat));
    c.addInputGradient(0, b.mul(inner, scale));
  }
};
