import { INT8_RELATIVE_RMS_MAX, type Int8Evaluation } from './evaluate-int8.js';

const percent = (v: number, digits = 3) => (Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : '–');
const general = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(2)) : '–');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The model card's section on the int8 models: every number from `evaluateInt8`. */
export function renderInt8Section(int8: Int8Evaluation): string[] {
  const lines: string[] = [];
  lines.push("## int8 models (`precision: 'int8'`, `--precision int8`)", '');
  if (int8.models.length === 0) {
    lines.push('No int8 model was found beside the fp32 ones: `npm run quantize` writes them.', '');
    return lines;
  }
  lines.push(
    'Static QDQ quantisation of the fp32 models by `npm run quantize` (int8 weights per output channel, uint8 activations per tensor, ' +
      'ranges calibrated on training patches, never on these files). Relative RMS = ‖int8 − fp32‖ / ‖fp32‖ over the on-disk output pixels; ' +
      `the bound is ${percent(INT8_RELATIVE_RMS_MAX, 1)} on every real HMI file.`,
    '',
  );
  lines.push(
    table(
      ['model', 'file', 'size (fp32)', 'float32 layers', 'calibration'],
      int8.models.map((m) => {
        const calibration = (m.quantization.calibration ?? {}) as Record<string, unknown>;
        return [
          `${m.kind} ${m.variant}`,
          m.file.split(/[\\/]/).pop() ?? m.file,
          `${(m.bytes / 1e6).toFixed(2)} MB (${(m.fp32Bytes / 1e6).toFixed(2)} MB)`,
          String((m.quantization.float32_layers as string[] | undefined)?.join(', ') ?? '–'),
          `${String(calibration.patches ?? '?')} patches, ${String(calibration.method ?? '?')}`,
        ];
      }),
    ),
    '',
  );
  lines.push(
    table(
      ['model', 'image', 'relative RMS int8 vs fp32', 'result'],
      int8.files.map((f) => [
        `${f.kind} ${f.variant}`,
        f.image,
        percent(f.relativeRms),
        f.relativeRms <= INT8_RELATIVE_RMS_MAX ? 'pass' : '**FAIL**',
      ]),
    ),
    '',
  );
  lines.push(
    `The science metrics of the checks above, fp32 against int8. noise = RMS change of the fp32 metric when the input gets the training data's noise ` +
      `(σ ${int8.noiseSigma.intensity} I/Ic, ${1000 * int8.noiseSigma.blos} G); within = |int8 − fp32| ≤ noise.`,
    '',
  );
  lines.push(
    table(
      ['model', 'image', 'metric', 'fp32', 'int8', 'noise', 'within'],
      int8.files.flatMap((f) =>
        f.metrics.map((m) => [
          `${f.kind} ${f.variant}`,
          f.image,
          m.metric,
          general(m.fp32),
          general(m.int8),
          general(m.noise),
          m.withinNoise ? 'yes' : '**no**',
        ]),
      ),
    ),
    '',
  );
  const summary = [...new Set(int8.files.map((f) => `${f.kind} ${f.variant}`))].map((model) => {
    const own = int8.files.filter((f) => `${f.kind} ${f.variant}` === model);
    const metrics = own.flatMap((f) => f.metrics);
    return [
      model,
      `${own.filter((f) => f.relativeRms <= INT8_RELATIVE_RMS_MAX).length} of ${own.length}`,
      percent(Math.max(...own.map((f) => f.relativeRms))),
      `${metrics.filter((m) => m.withinNoise).length} of ${metrics.length}`,
    ];
  });
  lines.push(table(['model', 'files within the RMS bound', 'largest relative RMS', 'metrics within noise'], summary), '');
  return lines;
}
