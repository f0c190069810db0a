import { readModel, type ValueDescription } from '../onnx/read-model.js';
import { graphStatistics, statisticsSourceOfModel } from '../onnx/graph-statistics.js';
import { CliUsageError, parsedCommand } from '@enhance/core/node';
import { readModelFile } from './read-model-file.js';

export interface ModelReport {
  file: string;
  sizeBytes: number;
  irVersion: number;
  opset: number;
  producer: { name: string; version: string };
  graphName: string;
  docString: string;
  inputs: ValueDescription[];
  outputs: ValueDescription[];
  metadata: Record<string, string>;
  parameterCount: number;
  initializerCount: number;
  multiplyAddsPerInputPixel: number | null;
  flopsPerInputPixel: number | null;
  receptiveField: number | null;
  opCounts: Record<string, number>;
}

/** What `inspect` reports about an ONNX model; the statistics are measured on its graph. */
export function inspectModel(bytes: Uint8Array, file: string): ModelReport {
  const model = readModel(bytes, file);
  const stats = graphStatistics(statisticsSourceOfModel(model));
  const macs = stats.multiplyAddsPerInputPixel ?? null;
  return {
    file,
    sizeBytes: bytes.length,
    irVersion: model.irVersion,
    opset: model.opset,
    producer: model.producer,
    graphName: model.graphName,
    docString: model.docString,
    inputs: model.inputs,
    outputs: model.outputs,
    metadata: model.metadata,
    parameterCount: stats.parameterCount,
    initializerCount: model.initializers.size,
    multiplyAddsPerInputPixel: macs,
    flopsPerInputPixel: macs === null ? null : 2 * macs,
    receptiveField: stats.receptiveField ?? null,
    opCounts: stats.opCounts,
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const value = (v: ValueDescription) => `${v.name} ${v.dataType} [${v.shape.join(',')}]`;

export function formatModelReport(r: ModelReport): string {
  const lines = [
    `${r.file} (${count(r.sizeBytes)} bytes)`,
    `  producer   ${r.producer.name} ${r.producer.version}`.trimEnd(),
    `  format     IR ${r.irVersion}, opset ${r.opset}, graph '${r.graphName}'`,
    ...r.inputs.map((v, i) => `  ${i === 0 ? 'inputs ' : '       '}    ${value(v)}`),
    ...r.outputs.map((v, i) => `  ${i === 0 ? 'outputs' : '       '}    ${value(v)}`),
    `  parameters ${count(r.parameterCount)} in ${r.initializerCount} initializers`,
  ];
  if (r.multiplyAddsPerInputPixel !== null) {
    const gflop400 = (2 * r.multiplyAddsPerInputPixel * 400 * 400) / 1e9;
    lines.push(
      `  cost       ${count(r.multiplyAddsPerInputPixel)} multiply-adds per input pixel ` +
        `(${(r.flopsPerInputPixel! / 1e6).toFixed(2)} MFLOP/px; ${gflop400.toFixed(0)} GFLOP for 400×400)`,
    );
  }
  if (r.receptiveField !== null) lines.push(`  receptive  ${r.receptiveField} input pixels`);
  lines.push(
    `  ops        ${Object.entries(r.opCounts)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`,
  );
  const keys = Object.keys(r.metadata);
  if (keys.length > 0) {
    const width = Math.max(...keys.map((k) => k.length));
    lines.push('  metadata', ...keys.map((k) => `    ${k.padEnd(width)}  ${r.metadata[k]}`));
  }
  if (r.docString) lines.push(`  doc        ${r.docString}`);
  return lines.join('\n');
}

export const inspectCommand = parsedCommand({
  name: 'inspect',
  summary: "show an ONNX model's inputs, outputs, opset, metadata, parameters and cost",
  usage: 'usage: enhance-graph inspect <model.onnx> [--json]\n\n  --json   print one JSON object instead of text',
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) {
      throw new CliUsageError({
        message: `expected one model file, got ${positionals.length}${positionals.length ? ` (${positionals.join(', ')})` : ''}`,
      });
    }
    const [file] = positionals;
    const bytes = await readModelFile(file);
    const report = inspectModel(bytes, file);
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatModelReport(report)}\n`);
    return 0;
  },
});
