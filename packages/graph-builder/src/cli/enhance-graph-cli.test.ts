import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readModel } from '../onnx/read-model.js';
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
    expect((await run('build', '--kind', 'intensity', '--seed', '1', '--fold-bn', '--output', file)).status).toBe(0);
    const { status, out } = await run('inspect', file);
    expect(status).toBe(0);
    expect(out).toContain('parameters 443,841');
    expect(out).toContain('553,792 multiply-adds per input pixel (1.11 MFLOP/px; 177 GFLOP for 400×400)');
    expect(out).toContain('receptive  26 input pixels');
    expect(out).toMatch(/batch_norm\s+folded/);
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
