import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ARCHITECTURES } from '@enhance/core';
import { readModel } from '../onnx/read-model.js';
import { createEnhanceModel } from '../networks/enhance-model.js';
import { initializeEnhanceWeights } from '../networks/enhance-weights.js';
import { runOnnx } from '../testing/run-onnx.js';
import { createEnhanceGraphCli } from './enhance-graph-cli.js';
import type { CliCommand } from '@enhance/core/node';
import type { ModelReport } from './inspect-command.js';

const directory = mkdtempSync(join(tmpdir(), 'enhance-graph-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const status = await createEnhanceGraphCli().run(argv, {
    stdout: {
      write: (t: string) => {
        out += t;
      },
    },
    stderr: {
      write: (t: string) => {
        err += t;
      },
    },
  });
  return { status, out, err };
}

describe('enhance-graph CLI', () => {
  test('build writes an untrained model that inspect --json describes', async () => {
    const file = join(directory, 'lite.onnx');
    const built = await run('build', '--kind', 'blos', '--lite', '--seed', '12', '-o', file);
    expect(built.err).toBe('');
    expect(built.status).toBe(0);
    expect(built.out).toMatch(/wrote .*lite\.onnx .*blos, 1 block × 32 filters, 37,729 parameters, untrained \(He init, seed 12\)/);
    const model = readModel(readFileSync(file));
    expect(model.metadata).toMatchObject({
      kind: 'blos',
      trained: 'false',
      weights: 'untrained-he-init seed=12',
      depth: '1',
      filters: '32',
    });

    const inspected = await run('inspect', file, '--json');
    expect(inspected.status).toBe(0);
    const report = JSON.parse(inspected.out) as ModelReport;
    expect(report.opset).toBe(17);
    expect(report.inputs).toEqual([{ name: 'image', dataType: 'float32', shape: [1, 1, 'H', 'W'] }]);
    expect(report.outputs[0].shape).toEqual([1, 1, '2*H', '2*W']);
    expect(report.parameterCount).toBe(37_729);
    expect(report.sizeBytes).toBe(statSync(file).size);
    expect(report.metadata.kind).toBe('blos');
  });

  test("full folded model: inspect text shows the paper's numbers", async () => {
    const file = join(directory, 'full-folded.onnx');
    expect((await run('build', '--kind', 'intensity', '--seed', '1', '--fold-bn', '--upsampling', 'resize', '--output', file)).status).toBe(
      0,
    );
    const { status, out } = await run('inspect', file);
    expect(status).toBe(0);
    expect(out).toContain('parameters 443,841');
    expect(out).toContain('553,792 multiply-adds per input pixel (1.11 MFLOP/px; 177 GFLOP for 400×400)');
    // The default phase form: conv_up at 16 instead of 36 multiply-adds per weight pair and input pixel.
    const phases = join(directory, 'full-phases.onnx');
    expect((await run('build', '--kind', 'intensity', '--seed', '1', '--fold-bn', '--output', phases)).status).toBe(0);
    expect((await run('inspect', phases)).out).toContain('472,640 multiply-adds per input pixel');
    expect(out).toContain('receptive  26 input pixels');
    expect(out).toMatch(/batch_norm\s+folded/);
  });

  test('rebuild writes a model again in the phase form: same weights, metadata and outputs, less work', async () => {
    const weights = initializeEnhanceWeights(ARCHITECTURES.lite, { seed: 4, bias: 'random' });
    const original = join(directory, 'resize-form.onnx');
    writeFileSync(
      original,
      createEnhanceModel({
        kind: 'intensity',
        architecture: 'lite',
        weights,
        provenance: 'test run',
        metadata: { training_steps: '12' },
        upsampling: 'resize',
      }),
    );
    const rebuilt = join(directory, 'phase-form.onnx');
    const result = await run('rebuild', original, '-o', rebuilt);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/wrote .*phase-form\.onnx .*intensity, phases tail, 64,928 → 44,832 multiply-adds per input pixel/);
    const [before, after] = [readModel(readFileSync(original)), readModel(readFileSync(rebuilt))];
    expect(after.metadata).toMatchObject({ weights: 'test run', training_steps: '12', upsampling: 'phases', kind: 'intensity' });
    expect(after.metadata.multiply_adds_per_pixel).toBe('44832');
    expect(after.metadata.rebuilt_from_sha256).toBe(createHash('sha256').update(readFileSync(original)).digest('hex'));
    for (const [name, tensor] of before.initializers) expect(after.initializers.get(name)?.data, name).toEqual(tensor.data);
    const image = {
      dataType: 'float32' as const,
      dims: [1, 1, 9, 7],
      data: Float32Array.from({ length: 63 }, (_, i) => 1 + 0.1 * Math.sin(i)),
    };
    const [a, b] = [await runOnnx(readFileSync(original), { image }), await runOnnx(readFileSync(rebuilt), { image })];
    const scale = Math.max(...a.enhanced.data.map(Math.abs));
    expect(Math.max(...a.enhanced.data.map((v, i) => Math.abs(v - b.enhanced.data[i])))).toBeLessThan(1e-6 * scale);
    expect((await run('rebuild', original, '-o', rebuilt)).err).toMatch(/phase-form\.onnx: the file exists; pass --force/);
    const int8 = join(directory, 'marked-int8.onnx');
    writeFileSync(int8, createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights, metadata: { precision: 'int8' } }));
    const refused = await run('rebuild', int8, '-o', join(directory, 'never.onnx'));
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/marked-int8\.onnx: an int8 model is made from its float32 model/);
    expect(readdirSync(directory)).not.toContain('never.onnx');
    expect((await run('rebuild', original, '-o', rebuilt, '--upsampling', 'bilinear')).err).toMatch(
      /--upsampling must be resize or phases, got 'bilinear'/,
    );
  });

  test('refuses to overwrite without --force, replaces with it, and leaves no temporary files', async () => {
    const file = join(directory, 'existing.onnx');
    writeFileSync(file, 'precious');
    const refused = await run('build', '--kind', 'intensity', '--lite', '--seed', '1', '-o', file);
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/existing\.onnx: the file exists; pass --force/);
    expect(readFileSync(file, 'utf8')).toBe('precious');
    const forced = await run('build', '--kind', 'intensity', '--lite', '--seed', '1', '-o', file, '--force');
    expect(forced.status).toBe(0);
    expect(readModel(readFileSync(file)).metadata.kind).toBe('intensity');
    expect(readdirSync(directory).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test.each([
    [['build', '--kind', 'vector', '--seed', '1', '-o', 'x.onnx'], /--kind must be 'intensity' or 'blos', got 'vector'/],
    [['build', '--kind', 'blos', '-o', 'x.onnx'], /--seed is required/],
    [['build', '--kind', 'blos', '--seed', '1', '--lite', '--depth', '2', '--filters', '8', '-o', 'x.onnx'], /--lite cannot be combined/],
    [['build', '--kind', 'blos', '--seed', '1', '--depth', '2', '-o', 'x.onnx'], /--depth and --filters go together/],
    [['build', '--kind', 'blos', '--seed', 'abc', '-o', 'x.onnx'], /--seed must be an integer >= 0, got 'abc'/],
    [['build', '--kind', 'blos', '--seed', '1', '--bogus', '-o', 'x.onnx'], /bogus/],
    [['inspect'], /expected one model file, got 0/],
    [
      ['build', '--kind', 'blos', '--seed', '1', '--upsampling', 'linear', '-o', 'x.onnx'],
      /--upsampling must be resize or phases, got 'linear'/,
    ],
    [['rebuild', 'a.onnx'], /-o\/--output is required/],
  ])('usage error %j exits with status 2', async (argv, message) => {
    const { status, err } = await run(...argv);
    expect(status).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('usage: enhance-graph');
  });

  test('a missing or broken model file exits with status 1 and names the file', async () => {
    const missing = await run('inspect', join(directory, 'nope.onnx'));
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/nope\.onnx: cannot read/);
    const broken = join(directory, 'broken.onnx');
    writeFileSync(broken, Uint8Array.from([0xff, 0xff, 0xff, 0x01]));
    const result = await run('inspect', broken);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/broken\.onnx: not an ONNX model/);
  });

  test('help lists the commands; unknown commands exit 2; other modules can register commands', async () => {
    const help = await run('--help');
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/inspect .*\n.*build /);
    expect((await run('convert')).status).toBe(2);

    const convert: CliCommand = {
      name: 'convert',
      summary: 'test command',
      usage: 'usage: enhance-graph convert <in>',
      async run(args, io) {
        io.stdout.write(`converted ${args.join(' ')}\n`);
        return 0;
      },
    };
    let out = '';
    const cli = createEnhanceGraphCli().register(convert);
    expect(
      await cli.run(['convert', 'a.h5', '--flag'], {
        stdout: {
          write: (t: string) => {
            out += t;
          },
        },
        stderr: { write: () => undefined },
      }),
    ).toBe(0);
    expect(out).toBe('converted a.h5 --flag\n');
    expect(() => cli.register(convert)).toThrow(/registered twice/);
  });
});
