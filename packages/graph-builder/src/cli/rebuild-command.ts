import { sha256Hex } from '@enhance/core';
import { CliUsageError, parsedCommand, writeFileAtomically } from '@enhance/core/node';
import { createEnhanceModel, loadEnhanceWeights, modelStatistics } from '../networks/enhance-model.js';
import { EnhanceNetworkError } from '../networks/enhance-network-error.js';
import { parseUpsampling } from './build-command.js';
import { readModelFile } from './read-model-file.js';

/** Metadata entries measured on the graph: the rebuilt model measures its own. */
const MEASURED = ['parameter_count', 'receptive_field', 'multiply_adds_per_pixel', 'flops_per_pixel', 'package_version', 'upsampling'];

export const rebuildCommand = parsedCommand({
  name: 'rebuild',
  summary: "write an Enhance model's weights and metadata again as this version's graph (same outputs)",
  usage: [
    'usage: enhance-graph rebuild <model.onnx> -o out.onnx [--upsampling phases|resize] [--force]',
    '',
    '  --upsampling  how the ×2 tail is computed: phases (default; 2×2 convs per output phase, 16 instead of',
    '                36 multiply-adds per conv_up weight pair and input pixel) or resize (as the network is',
    '                written: nearest ×2, reflect pad, 3×3 conv); the outputs agree to float32 rounding',
    '  -o, --output  the model file; refuses to replace an existing file without --force',
    '',
    'The weights, the batch-norm folding and every metadata entry are kept, but for those measured on the',
    'graph (parameter count, receptive field, cost, package version), which are measured again;',
    'rebuilt_from_sha256 records the digest of the file it was made from.',
  ].join('\n'),
  options: {
    upsampling: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) {
      throw new CliUsageError({
        message: `expected one model file, got ${positionals.length}${positionals.length ? ` (${positionals.join(', ')})` : ''}`,
      });
    }
    const output = values.output;
    if (typeof output !== 'string' || output.length === 0) throw new CliUsageError({ message: '-o/--output is required' });
    const upsampling = parseUpsampling(values.upsampling);
    const [file] = positionals;
    const bytes = await readModelFile(file);
    const loaded = loadEnhanceWeights(bytes, file);
    if (loaded.kind === undefined) {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_MODEL',
        file,
        message: "the metadata does not say the model's kind (intensity or blos)",
        details: {},
      });
    }
    if (loaded.metadata.precision === 'int8') {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_MODEL',
        file,
        message: 'an int8 model is made from its float32 model: rebuild that one, then quantise it again (npm run quantize)',
        details: {},
      });
    }
    const metadata = Object.fromEntries(Object.entries(loaded.metadata).filter(([key]) => !MEASURED.includes(key)));
    const model = createEnhanceModel({
      kind: loaded.kind,
      architecture: loaded.architecture,
      weights: loaded.weights,
      provenance: loaded.provenance,
      // The file it was made from, by digest (a distilled model's teacher is named by the digest too).
      metadata: { ...metadata, rebuilt_from_sha256: sha256Hex(bytes) },
      upsampling,
    });
    await writeFileAtomically(output, model, { overwrite: values.force === true });
    const before = modelStatistics(bytes, file);
    const after = modelStatistics(model, output);
    const cost = (n: number | undefined) => (n === undefined ? '?' : n.toLocaleString('en-US'));
    io.stdout.write(
      `wrote ${output} (${model.length.toLocaleString('en-US')} bytes): ${loaded.kind}, ${upsampling} tail, ` +
        `${cost(before.multiplyAddsPerInputPixel)} → ${cost(after.multiplyAddsPerInputPixel)} multiply-adds per input pixel\n`,
    );
    return 0;
  },
});
