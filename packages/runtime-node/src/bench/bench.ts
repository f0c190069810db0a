import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHITECTURES, MODEL_VARIANTS, devicesFor, readEnhanceModelInfo } from '@enhance/core';
import { parseScriptArguments } from '@enhance/graph-builder/cli';
import type { ConcreteDevice, EnhanceDevice, ModelVariant } from '@enhance/core';
import { createEnhancer } from '../create-enhancer.js';

const USAGE = `Usage: npm run bench -- [options]

Times the enhancer on square images, whole (one tile) and tiled (the default memory budget), each
measurement in its own process so that its peak RSS is its own.

  --sizes 100,400,1024,4096   sizes to run; whole-image runs are skipped above --whole-max
  --repeats 3                 timed runs per measurement (the median is reported)
  --one-repeat-from 4096      sizes from this one up run once (a 4096² full-network run takes minutes)
  --threads 0                 onnxruntime threads (0: one per core)
  --device auto               auto | cpu | cuda
  --model file.onnx           default: a random-weight network of --variant (timing does not depend on weights)
  --variant full|lite
  --whole-max 1024            largest size also run as one whole tile
  --max-memory 640            tile memory budget in MiB for the tiled runs
  --out bench.json            where the JSON results go
  -h, --help                  this text`;

interface Measurement {
  size: number;
  mode: 'whole' | 'tiled';
  device: ConcreteDevice;
  tiles: number;
  repeats: number;
  medianMs: number;
  gflops: number;
  peakRssMB: number;
}

const values = parseScriptArguments('bench', USAGE, {
  sizes: { type: 'string', default: '100,400,1024,4096' },
  repeats: { type: 'string', default: '3' },
  'one-repeat-from': { type: 'string', default: '4096' },
  threads: { type: 'string', default: '0' },
  device: { type: 'string', default: 'auto' },
  model: { type: 'string' },
  variant: { type: 'string', default: 'full' },
  'whole-max': { type: 'string', default: '1024' },
  'max-memory': { type: 'string', default: '640' },
  out: { type: 'string', default: 'bench.json' },
  // Internal: one measurement, run by the parent in a process of its own.
  child: { type: 'string' },
});

const badValue = !MODEL_VARIANTS.includes(values.variant as ModelVariant)
  ? `--variant ${JSON.stringify(values.variant)}: expected ${MODEL_VARIANTS.join(' | ')}`
  : !devicesFor('node').includes(values.device as EnhanceDevice)
    ? `--device ${JSON.stringify(values.device)}: expected ${devicesFor('node').join(' | ')}`
    : undefined;
if (badValue) {
  process.stderr.write(`bench: ${badValue} (bench --help lists the options)\n`);
  process.exit(2);
}

try {
  if (values.child) await runChild(JSON.parse(values.child));
  else await runParent();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

async function runParent(): Promise<void> {
  const sizes = values.sizes.split(',').map(Number);
  const variant = values.variant as ModelVariant;
  const folder = mkdtempSync(join(tmpdir(), 'enhance-bench-'));
  try {
    let modelPath = values.model;
    if (!modelPath) {
      modelPath = join(folder, `random-${variant}.onnx`);
      // Loaded only here: a bench given --model needs no graph-building code.
      const { createEnhanceModel } = await import('@enhance/graph-builder');
      writeFileSync(modelPath, createEnhanceModel({ kind: 'intensity', architecture: ARCHITECTURES[variant], seed: 1 }));
    }
    const flopsPerPixel = modelFlopsPerPixel(new Uint8Array(readFileSync(modelPath)), modelPath);
    const results: Measurement[] = [];
    const header = 'size        mode    device  tiles  median ms     GFLOP/s  peak RSS MB';
    console.log(`Enhance benchmark: ${modelPath} (${flopsPerPixel.toLocaleString('en')} FLOP per input pixel), ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
    console.log(header);
    for (const size of sizes) {
      const modes: ('whole' | 'tiled')[] = size <= Number(values['whole-max']) ? ['whole', 'tiled'] : ['tiled'];
      for (const mode of modes) {
        const repeats = size >= Number(values['one-repeat-from']) ? 1 : Number(values.repeats);
        const child = spawnSync(
          process.execPath,
          // The parent's options too: the child reads --device, --threads and --max-memory itself.
          [fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', JSON.stringify({ size, mode, repeats, modelPath, flopsPerPixel })],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
        );
        if (child.status !== 0) throw new Error(`bench child for ${size}² ${mode} failed with exit code ${child.status}`);
        const measurement = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Measurement;
        results.push(measurement);
        console.log(
          `${`${size}×${size}`.padEnd(11)} ${mode.padEnd(7)} ${measurement.device.padEnd(7)} ${String(measurement.tiles).padStart(5)}  ${measurement.medianMs.toFixed(0).padStart(9)}  ${measurement.gflops.toFixed(1).padStart(10)}  ${measurement.peakRssMB.toFixed(0).padStart(11)}`,
        );
      }
    }
    const ratios = sizes
      .map((size) => {
        const whole = results.find((r) => r.size === size && r.mode === 'whole');
        const tiled = results.find((r) => r.size === size && r.mode === 'tiled');
        return whole && tiled ? { size, tiledOverWholeTime: tiled.medianMs / whole.medianMs, tiledOverWholeRss: tiled.peakRssMB / whole.peakRssMB } : undefined;
      })
      .filter((ratio) => ratio !== undefined);
    for (const ratio of ratios) {
      console.log(`${ratio.size}²: tiled/whole time ${ratio.tiledOverWholeTime.toFixed(2)}, peak RSS ${ratio.tiledOverWholeRss.toFixed(2)}`);
    }
    const report = {
      date: new Date().toISOString(),
      model: modelPath,
      flopsPerPixel,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      options: { threads: Number(values.threads), device: values.device, maxMemoryMB: Number(values['max-memory']) },
      results,
      ratios,
    };
    writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function runChild(task: { size: number; mode: 'whole' | 'tiled'; repeats: number; modelPath: string; flopsPerPixel: number }): Promise<void> {
  const { size, mode, repeats, modelPath, flopsPerPixel } = task;
  const enhancer = await createEnhancer({
    kind: 'intensity',
    model: modelPath,
    device: values.device as EnhanceDevice,
    threads: Number(values.threads),
    maxMemoryMB: Number(values['max-memory']),
    tileSize: mode === 'whole' ? size : undefined,
  });
  // A quiet-Sun-like image; the values do not change the cost of a convolutional network.
  const data = Float32Array.from({ length: size * size }, (_, i) => 1 + 0.05 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  const warmUp = Math.min(size, 64);
  await enhancer.enhance({ data: data.subarray(0, warmUp * warmUp), width: warmUp, height: warmUp }, { scale: 1 });
  const times: number[] = [];
  let tiles = 0;
  for (let r = 0; r < repeats; r++) {
    const result = await enhancer.enhance({ data, width: size, height: size }, { scale: 1 });
    times.push(result.timeMs);
    tiles = result.tiles;
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  const measurement: Measurement = {
    size,
    mode,
    device: enhancer.device,
    tiles,
    repeats,
    medianMs,
    gflops: (flopsPerPixel * size * size) / (medianMs * 1e6),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  await enhancer.dispose();
  console.log(JSON.stringify(measurement));
}

/** FLOP per input pixel: the model's own figure, else 2 × the multiply-adds of its architecture. */
function modelFlopsPerPixel(bytes: Uint8Array, path: string): number {
  const info = readEnhanceModelInfo(bytes, path);
  if (info.flopsPerPixel !== undefined) return info.flopsPerPixel;
  const depth = info.depth ?? ARCHITECTURES.full.depth;
  const filters = info.filters ?? ARCHITECTURES.full.filters;
  // Input conv 1→F, 2·depth + 1 F→F convs at low resolution, one F→F conv on 4× the pixels, 1×1 F→1 on 4×.
  const multiplyAdds = 9 * filters + 9 * filters * filters * (2 * depth + 1) + 4 * 9 * filters * filters + 4 * filters;
  return 2 * multiplyAdds;
}
