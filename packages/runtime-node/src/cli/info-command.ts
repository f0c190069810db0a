import { readFile } from 'node:fs/promises';
import { readEnhanceModelInfo } from '@enhance/core';
import { CliFileError, CliUsageError, parsedCommand, type CliCommand } from '@enhance/core/node';

const usage = `Usage: enhance info <model.onnx> [--json]

Prints what an Enhance model says about itself: kind, units, architecture, context radius,
cost per pixel, weight provenance and all its metadata.`;

export const infoCommand: CliCommand = parsedCommand({
  name: 'info',
  summary: 'describe an Enhance ONNX model',
  usage,
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new CliUsageError({ message: `expected one model file, got ${positionals.length}` });
    const path = positionals[0];
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliFileError({
        code: 'CLI_INPUT',
        file: path,
        message: code === 'ENOENT' ? 'no such file' : `cannot read (${code})`,
        cause: error,
      });
    }
    const info = readEnhanceModelInfo(bytes, path);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...info, bytes: bytes.length })}\n`);
      return 0;
    }
    const lines: [string, string][] = [
      ['file', `${path} (${bytes.length} bytes)`],
      ['kind', info.kind ?? '(not stated)'],
      ['units', info.units ?? '(not stated)'],
      ['architecture', `${info.depth ?? '?'} blocks × ${info.filters ?? '?'} filters`],
      ['context radius', `±${info.receptiveFieldRadius} input px (${info.receptiveFieldFrom})`],
      ['FLOP per pixel', info.flopsPerPixel === undefined ? '(not stated)' : String(info.flopsPerPixel)],
      ['weights', `${info.provenance ?? '(not stated)'}${info.trained ? '' : '  [UNTRAINED]'}`],
      ['producer', info.producerName || '(not stated)'],
    ];
    const width = Math.max(...lines.map(([label]) => label.length));
    for (const [label, value] of lines) io.stdout.write(`${label.padEnd(width)}  ${value}\n`);
    const keys = Object.keys(info.metadata);
    if (keys.length > 0) {
      io.stdout.write('metadata:\n');
      for (const key of keys) io.stdout.write(`  ${key} = ${info.metadata[key]}\n`);
    }
    return 0;
  },
});
