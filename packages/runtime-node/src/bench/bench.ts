import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHITECTURES, MODEL_PRECISIONS, MODEL_VARIANTS, devicesFor, readEnhanceModelInfo } from '@enhance/core';
import { parseScriptArguments } from '@enhance/core/node';
import type { ConcreteDevice, EnhanceDevice, ModelPrecision, ModelVariant } from '@enhance/core';
import { createEnhancer } from '../create-enhancer.js';
import { defaultModelPath } from '../default-models.js';
import { syntheticFullDisk, syntheticQuietSun } from './synthetic-full-disk.js';

const USAGE = `Usage: npm run bench -- [options]

Times the enhancer, fp32 and int8, full and lite, on square quiet-Sun images and on a synthetic 4096²
full disk (NaN off the limb: the tiles cover only the disk), with the default tiling, each measurement in a
process of its own so that its peak RSS is its own. The same run measures onnxruntime's fp32 MatMul
ceiling (a 2048³ product): best of 10 first and last, and best of 3 in each measurement's process just
before it, which that row's ratio is taken against (a load that comes and goes then shows in both).
G op/s counts every pixel of the frame, off-disk ones included, and the operations the graph executes
(the models compute the ×2 tail by output phases, 15% fewer operations for the full network than the
network as written); "as written ×" is the same time against the network's own count (nearest ×2, then
a 3×3 conv on the upsampled grid), the figure to compare with other implementations of the network. Run
it on a quiet machine: the ratios are only as steady as the machine.

  --sizes 256,512,1024,disk4096  sides to run; diskN is a synthetic N² full disk (default all four)
  --precisions fp32,int8         model precisions
  --variants full,lite           networks
  --models installed             installed: models/enhance-intensity[-lite][-int8].onnx where present, else
                                 random weights (random: always; int8 then calibrated on synthetic images);
                                 timing does not depend on the weights
  --repeats 3                    timed runs per measurement (the median is reported)
  --one-repeat-from 2048         sides from this one up run once
  --threads 0                    onnxruntime threads (0: one per physical core)
  --device cpu                   ${devicesFor('node').join(' | ')}
  --max-memory 640               tile memory budget in MiB
  --tile-sizes 128,256,512       also time --tile-sweep-size² with these largest tile sides (default: none)
  --tile-sweep-size 1024         image side of the tile sweep
  --out bench.json               where the JSON results go
  -h, --help                     this text

A quick run: npm run bench -- --sizes 256 --variants lite --repeats 1`;

interface Measurement {
  variant: ModelVariant;
  precision: ModelPrecision;
  size: number;
  disk: boolean;
  tileSize?: number;
  device: ConcreteDevice;
  tiles: number;
  tilesSkipped: number;
  repeats: number;
  medianMs: number;
  /** Operations of the whole frame (every pixel, off-disk ones included) per second, in G. */
  gops: number;
  /** The same with the network's operations as written (Resize, then a 3×3 conv on the upsampled grid). */
  writtenGops: number;
  /** The fp32 MatMul ceiling measured in the same process just before (best of 3): the load it ran under. */
  ceilingGflops: number;
  peakRssMB: number;
}

interface ChildTask {
  variant: ModelVariant;
  precision: ModelPrecision;
  size: number;
  disk: boolean;
  tileSize?: number;
  repeats: number;
  modelPath: string;
  flopsPerPixel: number;
  writtenFlopsPerPixel: number;
}

const values = parseScriptArguments('bench', USAGE, {
  sizes: { type: 'string', default: '256,512,1024,disk4096' },
  precisions: { type: 'string', default: 'fp32,int8' },
  variants: { type: 'string', default: 'full,lite' },
  models: { type: 'string', default: 'installed' },
  repeats: { type: 'string', default: '3' },
  'one-repeat-from': { type: 'string', default: '2048' },
  threads: { type: 'string', default: '0' },
  device: { type: 'string', default: 'cpu' },
  'max-memory': { type: 'string', default: '640' },
  'tile-sizes': { type: 'string', default: '' },
  'tile-sweep-size': { type: 'string', default: '1024' },
  out: { type: 'string', default: 'bench.json' },
  // Internal: one measurement (or 'ceiling'), run by the parent in a process of its own.
  child: { type: 'string' },
});

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const sizes = list(values.sizes).map((token) => ({ disk: token.startsWith('disk'), size: Number(token.replace(/^disk/, '')) }));
const precisions = list(values.precisions) as ModelPrecision[];
const variants = list(values.variants) as ModelVariant[];
const tileSizes = list(values['tile-sizes']).map(Number);
const badValue = sizes.some((s) => !Number.isInteger(s.size) || s.size < 16)
  ? `--sizes ${JSON.stringify(values.sizes)}: expected sides ≥ 16, each optionally prefixed by 'disk'`
  : !precisions.every((p) => MODEL_PRECISIONS.includes(p))
    ? `--precisions ${JSON.stringify(values.precisions)}: expected ${MODEL_PRECISIONS.join(', ')}`
    : !variants.every((v) => MODEL_VARIANTS.includes(v))
      ? `--variants ${JSON.stringify(values.variants)}: expected ${MODEL_VARIANTS.join(', ')}`
      : !devicesFor('node').includes(values.device as EnhanceDevice)
        ? `--device ${JSON.stringify(values.device)}: expected ${devicesFor('node').join(' | ')}`
        : values.models !== 'installed' && values.models !== 'random'
          ? `--models ${JSON.stringify(values.models)}: expected installed | random`
          : tileSizes.some((t) => !Number.isInteger(t) || t < 32)
            ? `--tile-sizes ${JSON.stringify(values['tile-sizes'])}: expected integers ≥ 32`
            : undefined;
if (badValue) {
  process.stderr.write(`bench: ${badValue} (bench --help lists the options)\n`);
  process.exit(2);
}

try {
  if (values.child === 'ceiling') await runCeilingChild();
  else if (values.child) await runChild(JSON.parse(values.child) as ChildTask);
  else await runParent();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

function spawnChild(task: string): string {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', task], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`bench child ${task.slice(0, 120)} failed with exit code ${child.status}`);
  return child.stdout.trim().split('\n').pop() ?? '{}';
}

async function runParent(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'enhance-bench-'));
  const loadBefore = loadavg();
  try {
    console.log(
      `Enhance benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, threads ${values.threads === '0' ? 'onnxruntime default' : values.threads}, device ${values.device}`,
    );
    const ceilingBefore = JSON.parse(spawnChild('ceiling')) as { gflops: number };
    console.log(`onnxruntime fp32 MatMul ceiling (2048³, best of 10): ${ceilingBefore.gflops.toFixed(1)} GFLOP/s`);

    const models = new Map<string, { path: string; flopsPerPixel: number; writtenFlopsPerPixel: number; source: string }>();
    for (const variant of variants) {
      for (const precision of precisions) {
        const model = await benchModel(variant, precision, folder);
        models.set(`${variant}/${precision}`, model);
        console.log(
          `model ${variant} ${precision}: ${model.source} (${model.flopsPerPixel.toLocaleString('en')} operations per input pixel; as written ${model.writtenFlopsPerPixel.toLocaleString('en')})`,
        );
      }
    }

    const header = 'variant precision  image          tiles (skipped)  median ms    G op/s  ceiling  × ceiling  as written ×  peak RSS MB';
    console.log(header);
    const results: Measurement[] = [];
    const measure = (task: Omit<ChildTask, 'modelPath' | 'flopsPerPixel' | 'writtenFlopsPerPixel' | 'repeats'>) => {
      const model = models.get(`${task.variant}/${task.precision}`)!;
      const repeats = task.size >= Number(values['one-repeat-from']) ? 1 : Number(values.repeats);
      const measurement = JSON.parse(
        spawnChild(
          JSON.stringify({
            ...task,
            repeats,
            modelPath: model.path,
            flopsPerPixel: model.flopsPerPixel,
            writtenFlopsPerPixel: model.writtenFlopsPerPixel,
          }),
        ),
      ) as Measurement;
      results.push(measurement);
      const image = `${measurement.disk ? 'disk ' : ''}${measurement.size}²${measurement.tileSize ? ` t${measurement.tileSize}` : ''}`;
      console.log(
        `${measurement.variant.padEnd(7)} ${measurement.precision.padEnd(10)} ${image.padEnd(14)} ${`${measurement.tiles} (${measurement.tilesSkipped})`.padStart(15)}  ${measurement.medianMs.toFixed(0).padStart(9)}  ${measurement.gops.toFixed(1).padStart(8)}  ${measurement.ceilingGflops.toFixed(0).padStart(7)}  ${(measurement.gops / measurement.ceilingGflops).toFixed(2).padStart(9)}  ${(measurement.writtenGops / measurement.ceilingGflops).toFixed(2).padStart(12)}  ${measurement.peakRssMB.toFixed(0).padStart(11)}`,
      );
    };
    for (const { size, disk } of sizes) {
      for (const variant of variants) for (const precision of precisions) measure({ variant, precision, size, disk });
    }
    for (const tileSize of tileSizes) {
      for (const variant of variants)
        for (const precision of precisions) measure({ variant, precision, size: Number(values['tile-sweep-size']), disk: false, tileSize });
    }

    const ceilingAfter = JSON.parse(spawnChild('ceiling')) as { gflops: number };
    const loadAfter = loadavg();
    console.log(
      `onnxruntime fp32 MatMul ceiling again at the end: ${ceilingAfter.gflops.toFixed(1)} GFLOP/s (${((ceilingAfter.gflops / ceilingBefore.gflops - 1) * 100).toFixed(1)}% from the start); load average ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const speedups = results
      .filter((r) => r.precision === 'int8' && r.tileSize === undefined)
      .map((int8) => {
        const fp32 = results.find(
          (r) =>
            r.precision === 'fp32' &&
            r.variant === int8.variant &&
            r.size === int8.size &&
            r.disk === int8.disk &&
            r.tileSize === undefined,
        );
        return fp32
          ? { variant: int8.variant, size: int8.size, disk: int8.disk, int8OverFp32Speed: fp32.medianMs / int8.medianMs }
          : undefined;
      })
      .filter((s) => s !== undefined);
    for (const s of speedups)
      console.log(`${s.variant} ${s.disk ? 'disk ' : ''}${s.size}²: int8 ${s.int8OverFp32Speed.toFixed(2)}× as fast as fp32`);
    const report = {
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadAverage: { before: loadBefore, after: loadAfter },
      options: { threads: Number(values.threads), device: values.device, maxMemoryMB: Number(values['max-memory']), models: values.models },
      ceiling: { fp32MatMulGflops: { before: ceilingBefore.gflops, after: ceilingAfter.gflops } },
      models: Object.fromEntries(
        [...models].map(([key, m]) => [
          key,
          { source: m.source, flopsPerPixel: m.flopsPerPixel, writtenFlopsPerPixel: m.writtenFlopsPerPixel },
        ]),
      ),
      results: results.map((r) => ({
        ...r,
        ratioToCeiling: r.gops / r.ceilingGflops,
        writtenRatioToCeiling: r.writtenGops / r.ceilingGflops,
      })),
      speedups,
    };
    writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The installed model of a variant and precision, or one with random weights written to `folder`. */
async function benchModel(
  variant: ModelVariant,
  precision: ModelPrecision,
  folder: string,
): Promise<{ path: string; flopsPerPixel: number; writtenFlopsPerPixel: number; source: string }> {
  const installed = defaultModelPath('intensity', variant, precision);
  let path = installed;
  let source = installed;
  if (values.models === 'random' || !existsSync(installed)) {
    // Loaded only here: a bench of installed models needs no graph-building code.
    const graph = await import('@enhance/graph-builder');
    const fp32 = graph.createEnhanceModel({ kind: 'intensity', architecture: ARCHITECTURES[variant], seed: 1, foldBatchNorm: true });
    let bytes = fp32;
    source = `random weights (seed 1)${existsSync(installed) ? '' : `, ${installed} not found`}`;
    if (precision === 'int8') {
      const ort = await import('onnxruntime-node');
      const plan = graph.quantizationPlan(fp32);
      const batches = [0, 1, 2, 3].map(() => ({ dims: [1, 1, 64, 64] as const, data: syntheticQuietSun(64).data }));
      const calibration = await graph.calibrateActivations(fp32, {
        tensors: plan.tensors,
        batches,
        runtime: ort,
        threads: Number(values.threads),
      });
      bytes = graph.quantizeEnhanceModel(fp32, {
        ranges: calibration.ranges({ method: 'minmax' }),
        channelMeans: calibration.channelMeans,
      });
      source += ', quantised on synthetic images';
    }
    path = join(folder, `random-${variant}-${precision}.onnx`);
    writeFileSync(path, bytes);
  }
  const bytes = new Uint8Array(readFileSync(path));
  return { path, ...modelFlops(bytes, path), source };
}

async function runChild(task: ChildTask): Promise<void> {
  const { size, disk, repeats, modelPath, flopsPerPixel, writtenFlopsPerPixel, tileSize } = task;
  const enhancer = await createEnhancer({
    kind: 'intensity',
    model: modelPath,
    device: values.device as EnhanceDevice,
    threads: Number(values.threads),
    maxMemoryMB: Number(values['max-memory']),
    tileSize,
  });
  const image = disk ? syntheticFullDisk(size) : syntheticQuietSun(size);
  const ceilingGflops = await matMulCeiling(3);
  const warmUp = syntheticQuietSun(Math.min(size, 64));
  await enhancer.enhance(warmUp, { scale: 1 });
  const times: number[] = [];
  let tiles = 0;
  let tilesSkipped = 0;
  for (let r = 0; r < repeats; r++) {
    const result = await enhancer.enhance({ data: image.data, width: image.width, height: image.height }, { scale: 1 });
    times.push(result.timeMs);
    tiles = result.tiles;
    tilesSkipped = result.tilesSkipped;
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  const measurement: Measurement = {
    variant: task.variant,
    precision: task.precision,
    size,
    disk,
    ...(tileSize ? { tileSize } : {}),
    device: enhancer.device,
    tiles,
    tilesSkipped,
    repeats,
    medianMs,
    gops: (flopsPerPixel * size * size) / (medianMs * 1e6),
    writtenGops: (writtenFlopsPerPixel * size * size) / (medianMs * 1e6),
    ceilingGflops,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  await enhancer.dispose();
  console.log(JSON.stringify(measurement));
}

async function runCeilingChild(): Promise<void> {
  console.log(JSON.stringify({ gflops: await matMulCeiling(10) }));
}

/** onnxruntime's fp32 GEMM rate on a 2048×2048 by 2048×2048 product, best of `runs`: the best the convolutions could reach. */
async function matMulCeiling(runs: number): Promise<number> {
  const ort = await import('onnxruntime-node');
  const { GraphBuilder } = await import('@enhance/graph-builder');
  const n = 2048;
  const b = new GraphBuilder();
  const a = b.input('a', { dataType: 'float32', shape: [n, n] });
  const weights = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.001));
  const product = b.matMul(a, b.initializer('b', weights, [n, n]), { label: 'product' });
  const model = b.build({ outputs: { product } });
  const threads = Number(values.threads);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  });
  const feeds = {
    a: new ort.Tensor(
      'float32',
      Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.002)),
      [n, n],
    ),
  };
  await session.run(feeds);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - started);
  }
  await session.release();
  return (2 * n ** 3) / (best * 1e6);
}

/**
 * Operations per input pixel: the model's own figure (what its graph executes), else the network's as
 * written; and 2 × the multiply-adds of the network as written, from its depth and filters.
 */
function modelFlops(bytes: Uint8Array, path: string): { flopsPerPixel: number; writtenFlopsPerPixel: number } {
  const info = readEnhanceModelInfo(bytes, path);
  const depth = info.depth ?? ARCHITECTURES.full.depth;
  const filters = info.filters ?? ARCHITECTURES.full.filters;
  // Input conv 1→F, 2·depth + 1 F→F convs at low resolution, one F→F conv on 4× the pixels, 1×1 F→1 on 4×.
  const multiplyAdds = 9 * filters + 9 * filters * filters * (2 * depth + 1) + 4 * 9 * filters * filters + 4 * filters;
  return { flopsPerPixel: info.flopsPerPixel ?? 2 * multiplyAdds, writtenFlopsPerPixel: 2 * multiplyAdds };
}
