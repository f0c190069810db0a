import type { GraphBuilder } from '../builder/graph-builder.js';
import { isFloatType, type Operand } from '../builder/operand.js';
import { AutodiffError } from './autodiff-error.js';
import type { GradientContext } from './gradient-context.js';
import { GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from './gradient-rules.js';

export interface AppendGradientsOptions {
  /** A scalar (rank 0, or every dim 1) float operand of the builder's graph. */
  loss: Operand;
  /** The operands (usually graph inputs holding parameters) to differentiate with respect to. */
  with: readonly Operand[];
}

/**
 * Reverse-mode differentiation over the builder's node list: walks the nodes added so far backwards
 * from `loss`, emitting each op's vector–Jacobian product through the same builder, and returns the
 * gradient of the loss for every operand in `with` (a zero tensor where the loss does not depend on it).
 * Only nodes on a path from `with` to `loss` are differentiated.
 */
export function appendGradients(builder: GraphBuilder, { loss, with: variables }: AppendGradientsOptions): Map<string, Operand> {
  if (!loss.shape.every((d) => d === 1)) {
    throw new AutodiffError({
      message: `the loss '${loss.name}' must be a scalar, got shape [${loss.shape.join(',')}]`,
      code: 'AUTODIFF_LOSS',
    });
  }
  const forwardNodes = builder.nodes.slice();
  const dependsOnVariable = new Set(variables.map((v) => v.name));
  for (const node of forwardNodes) {
    if (NON_DIFFERENTIABLE_OPS.has(node.opType)) continue;
    if (node.inputs.some((name) => dependsOnVariable.has(name))) for (const out of node.outputs) dependsOnVariable.add(out);
  }
  const reachesLoss = new Set([loss.name]);
  for (let i = forwardNodes.length - 1; i >= 0; i--) {
    const node = forwardNodes[i];
    if (node.outputs.some((name) => reachesLoss.has(name))) for (const name of node.inputs) if (name) reachesLoss.add(name);
  }

  const gradients = new Map<string, Operand>();
  const accumulate = (name: string, gradient: Operand) => {
    const previous = gradients.get(name);
    gradients.set(name, previous ? builder.add(previous, gradient) : gradient);
  };
  accumulate(loss.name, builder.constant({ dataType: loss.dataType, shape: loss.shape.map(Number) }, [1]));

  const operand = (name: string): Operand => {
    const found = builder.operand(name);
    if (!found) throw new AutodiffError({ message: `operand '${name}' is not in the graph`, code: 'AUTODIFF_LOSS' });
    return found;
  };

  for (let i = forwardNodes.length - 1; i >= 0; i--) {
    const node = forwardNodes[i];
    if (!node.outputs.some((name) => gradients.has(name))) continue;
    if (!node.inputs.some((name) => name && dependsOnVariable.has(name) && reachesLoss.has(name))) continue;
    const rule = node.domain === '' ? GRADIENT_RULES[node.opType] : undefined;
    if (!rule) {
      throw new AutodiffError({
        message: `no gradient rule for op ${node.domain ? `${node.domain}.` : ''}${node.opType}; supported: ${Object.keys(GRADIENT_RULES).join(', ')}`,
        code: 'AUTODIFF_UNSUPPORTED_OP',
        node: node.name,
      });
    }
    const context: GradientContext = {
      builder,
      node,
      input: (index) => (node.inputs[index] ? operand(node.inputs[index]) : undefined),
      output: (index) => operand(node.outputs[index]),
      outputGradient: (index) => gradients.get(node.outputs[index]),
      wantsGradient: (index) => {
        const name = node.inputs[index];
        return Boolean(name) && dependsOnVariable.has(name) && reachesLoss.has(name) && isFloatType(operand(name).dataType);
      },
      addInputGradient: (index, gradient) => accumulate(node.inputs[index], gradient),
    };
    rule(context);
  }

  const result = new Map<string, Operand>();
  for (const variable of variables) {
    const gradient = gradients.get(variable.name);
    if (gradient) {
      result.set(variable.name, gradient);
    } else {
      const shape = variable.shape.map(Number);
      result.set(variable.name, builder.constantOfShape(shape, { value: 0, dataType: variable.dataType }));
    }
  }
  return result;
}
