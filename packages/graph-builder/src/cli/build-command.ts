import { ARCHITECTURES, type Architecture, type EnhanceKind } from '@enhance/core';
import { createEnhanceModel, modelStatistics } from '../networks/enhance-model.js';
import { ENHANCE_UPSAMPLINGS, type EnhanceUpsampling } from '../networks/enhance-network.js';
import { CliUsageError, parsedCommand, writeFileAtomically } from '@enhance/core/node';

function integerOption(name: string, text: string | boolean | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (typeof text !== 'string' || !/^-?\d+$/.test(text) || n < min) {
    throw new CliUsageError({ message: `--${name} must be an integer >= ${min}, got '${String(text)}'` });
  }
  return n;
}

/** `--upsampling`, default 'phases'. */
export function parseUpsampling(text: string | boolean | undefined): EnhanceUpsampling {
  const upsampling = text ?? 'phases';
  if (typeof upsampling !== 'string' || !(ENHANCE_UPSAMPLINGS as readonly string[]).includes(upsampling)) {
    throw new CliUsageError({ message: `--upsampling must be ${ENHANCE_UPSAMPLINGS.join(' or ')}, got '${String(text)}'` });
  }
  return upsampling as EnhanceUpsampling;
}

export const buildCommand = parsedCommand({
  name: 'build',
  summary: 'write an untrained Enhance model with He-initialised weights from a seed',
  usage: [
    'usage: enhance-graph build --kind intensity|blos [--lite | --depth N --filters F] --seed N [--fold-bn] [--upsampling phases|resize] -o out.onnx [--force]',
    '',
    '  --kind       intensity (continuum, I/Ic) or blos (line-of-sight field, kG)',
    '  --lite       1 block × 32 filters (default: the full 5 × 64 network)',
    '  --depth N    residual blocks; with --filters for any other size',
    '  --filters F  filters per convolution',
    '  --seed N     seed of the weight initialisation (required: the model is reproducible)',
    '  --fold-bn    fold the batch norms into the convolutions',
    '  --upsampling how the ×2 tail is computed: phases (default: 2×2 convs per output phase) or resize (as the',
    '               network is written: nearest ×2, reflect pad, 3×3 conv); the outputs agree to float32 rounding',
    '  -o, --output the model file; refuses to replace an existing file without --force',
  ].join('\n'),
  options: {
    kind: { type: 'string' },
    lite: { type: 'boolean' },
    depth: { type: 'string' },
    filters: { type: 'string' },
    seed: { type: 'string' },
    'fold-bn': { type: 'boolean' },
    upsampling: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length > 0) throw new CliUsageError({ message: `unexpected arguments: ${positionals.join(' ')}` });
    const kind = values.kind;
    if (kind !== 'intensity' && kind !== 'blos') {
      throw new CliUsageError({
        message: `--kind must be 'intensity' or 'blos', got ${kind === undefined ? 'nothing' : `'${String(kind)}'`}`,
      });
    }
    const seed = integerOption('seed', values.seed, 0);
    if (seed === undefined) throw new CliUsageError({ message: '--seed is required' });
    const output = values.output;
    if (typeof output !== 'string' || output.length === 0) throw new CliUsageError({ message: '-o/--output is required' });
    const depth = integerOption('depth', values.depth, 0);
    const filters = integerOption('filters', values.filters, 1);
    if (values.lite && (depth !== undefined || filters !== undefined)) {
      throw new CliUsageError({ message: '--lite cannot be combined with --depth/--filters' });
    }
    if ((depth === undefined) !== (filters === undefined)) {
      throw new CliUsageError({ message: '--depth and --filters go together' });
    }
    const architecture: Architecture = values.lite
      ? ARCHITECTURES.lite
      : depth !== undefined
        ? { depth, filters: filters! }
        : ARCHITECTURES.full;
    const upsampling = parseUpsampling(values.upsampling);
    const model = createEnhanceModel({
      kind: kind as EnhanceKind,
      architecture,
      seed,
      foldBatchNorm: values['fold-bn'] === true,
      upsampling,
    });
    await writeFileAtomically(output, model, { overwrite: values.force === true });
    const stats = modelStatistics(model, output);
    io.stdout.write(
      `wrote ${output} (${model.length.toLocaleString('en-US')} bytes): ${kind}, ${architecture.depth} block${architecture.depth === 1 ? '' : 's'} × ${architecture.filters} filters, ` +
        `${stats.parameterCount.toLocaleString('en-US')} parameters, untrained (He init, seed ${seed})${values['fold-bn'] ? ', batch norm folded' : ''}\n`,
    );
    return 0;
  },
});
