#!/usr/bin/env node
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHITECTURES, MODEL_VARIANTS, type ModelVariant } from '@enhance/core';
import {
  createRandom,
  enhanceParameterSpecs,
  GraphBuilder,
  graphStatistics,
  initializeEnhanceWeights,
  buildEnhanceNetwork,
  ENHANCE_UPSAMPLINGS,
  type EnhanceUpsampling,
} from '@enhance/graph-builder';
import { buildEnhanceTrainingStep, NEXT_STATE_PREFIX } from '../train/enhance-training-step.js';
import { parseScriptArguments } from '@enhance/core/node';
import * as ort from 'onnxruntime-node';

const USAGE = `Usage: npm run bench:train -- [options]

Measures, in one run and with the same onnxruntime threads: the fp32 MatMul ceiling (2048×2048 by
2048×2048) and the patches/s and GFLOP/s of the full and lite training steps (forward, gradients and Adam
in one ONNX graph), reported as ratios to the ceiling. The ceiling MatMul is timed right before each
training step and the ratio is the median of those pairs, so that a shared machine's drift cancels.
Pause any training job first: a job beside the benchmark halves it.

  --threads 2          onnxruntime intra-op threads
  --steps 10           timed steps per variant (after 2 untimed), each after a timed ceiling run
  --batch 32           patches per step (50×50 inputs)
  --variants full,lite
  --upsampling phases  how the network's ×2 tail is computed: phases (what npm run train uses), resize
                       (the network as written), or both: phases,resize. GFLOP/s count what the step
                       executes; "as written" the same time against the written network's FLOPs
  --profile            also profile 3 more full steps (a session of their own, not timed) with
                       onnxruntime's profiler and print the operators that take the most time
  --out bench-train.json
  -h, --help           this text`;

const values = parseScriptArguments('bench:train', USAGE, {
  threads: { type: 'string', default: '2' },
  steps: { type: 'string', default: '10' },
  batch: { type: 'string', default: '32' },
  variants: { type: 'string', default: 'full,lite' },
  upsampling: { type: 'string', default: 'phases' },
  profile: { type: 'boolean', default: false },
  out: { type: 'string', default: 'bench-train.json' },
});

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench:train: --${name} must be a positive integer, got '${value}'\n`);
    process.exit(2);
  }
  return n;
}

const threads = positiveInteger('threads', values.threads);
const steps = positiveInteger('steps', values.steps);
const batch = positiveInteger('batch', values.batch);
const variants = values.variants.split(',').map((v) => v.trim()) as ModelVariant[];
const upsamplings = values.upsampling.split(',').map((v) => v.trim()) as EnhanceUpsampling[];
for (const u of upsamplings) {
  if (!ENHANCE_UPSAMPLINGS.includes(u)) {
    process.stderr.write(`bench:train: --upsampling: '${u}' is not one of ${ENHANCE_UPSAMPLINGS.join(', ')}\n`);
    process.exit(2);
  }
}
for (const v of variants) {
  if (!MODEL_VARIANTS.includes(v)) {
    process.stderr.write(`bench:train: --variants: '${v}' is not one of ${MODEL_VARIANTS.join(', ')}\n`);
    process.exit(2);
  }
}
const PATCH = 50;
const sessionOptions = (extra: Partial<ort.InferenceSession.SessionOptions> = {}): ort.InferenceSession.SessionOptions => ({
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  ...extra,
});

/**
 * The fp32 MatMul ceiling as a session kept open, so that one ceiling run can be timed right before each
 * training step: on a shared machine the speed drifts by ±15% within a minute, and a ratio of two
 * timings taken side by side drifts far less than either.
 */
async function matMulCeiling(): Promise<{ run: () => Promise<void>; flop: number; release: () => Promise<void> }> {
  const n = 2048;
  const b = new GraphBuilder();
  const a = b.input('a', { dataType: 'float32', shape: [n, n] });
  const c = b.input('b', { dataType: 'float32', shape: [n, n] });
  const session = await ort.InferenceSession.create(
    b.build({ outputs: { c: b.matMul(a, c) }, graphName: 'matmul_ceiling' }),
    sessionOptions(),
  );
  const random = createRandom(1);
  const matrix = () =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: n * n }, () => random() - 0.5),
      [n, n],
    );
  const feeds = { a: matrix(), b: matrix() };
  return {
    run: async () => {
      await session.run(feeds);
    },
    flop: 2 * n ** 3,
    release: () => session.release(),
  };
}

/**
 * Times `work` `runs` times after `warmup` untimed runs, each timed run right after the ceiling (one
 * untimed MatMul, then CEILING_RUNS timed). Returns the median step time, the median ceiling time and the median of the per-pair ratios
 * (step speed over ceiling speed, both in FLOP/s).
 */
async function pairedTimings(
  runs: number,
  warmup: number,
  ceiling: { run: () => Promise<void>; flop: number },
  stepFlop: number,
  work: () => Promise<void>,
): Promise<{ stepSeconds: number; ceilingSeconds: number; ratio: number }> {
  for (let i = 0; i < warmup; i++) {
    await ceiling.run();
    await work();
  }
  const steps: number[] = [];
  const ceilings: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    // The first MatMul after a training step runs ~15% slow (caches and threads cold): it is not timed.
    await ceiling.run();
    let start = performance.now();
    for (let k = 0; k < CEILING_RUNS; k++) await ceiling.run();
    const c = (performance.now() - start) / 1000 / CEILING_RUNS;
    start = performance.now();
    await work();
    const s = (performance.now() - start) / 1000;
    ceilings.push(c);
    steps.push(s);
    ratios.push(stepFlop / s / (ceiling.flop / c));
  }
  return { stepSeconds: median(steps), ceilingSeconds: median(ceilings), ratio: median(ratios) };
}

const CEILING_RUNS = 2;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Forward multiply-adds per input pixel, from the inference graph. */
function forwardMacsPerPixel(variant: ModelVariant, upsampling: EnhanceUpsampling): number {
  const architecture = ARCHITECTURES[variant];
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
  const weights = initializeEnhanceWeights(architecture, { seed: 1 });
  buildEnhanceNetwork(b, image, {
    architecture,
    upsampling,
    parameter: (spec) => b.initializer(spec.name, weights[spec.name], spec.shape),
  });
  const stats = graphStatistics({
    inputs: b.inputs,
    nodes: b.nodes,
    initializers: b.initializers,
    shapeOf: (name) => b.operand(name)?.shape,
  });
  return stats.multiplyAddsPerInputPixel ?? Number.NaN;
}

interface StepResult {
  variant: ModelVariant;
  upsampling: EnhanceUpsampling;
  secondsPerStep: number;
  patchesPerSecond: number;
  /** Forward, input gradients and weight gradients: three times the forward pass's FLOPs. */
  gflopPerPatch: number;
  gflops: number;
  /** The ceiling as timed beside this variant's steps. */
  ceilingGflops: number;
  /** Median over the timed steps of the step's FLOP/s over the ceiling's, each ceiling run just before its step. */
  ratioToCeiling: number;
  /** The same against the FLOPs of the network as written (Resize, then a 3×3 conv on the upsampled grid). */
  writtenRatioToCeiling: number;
  topOperators?: { op: string; share: number; ms: number }[];
}

const PROFILED_STEPS = 3;

async function trainingStep(
  variant: ModelVariant,
  ceiling: { run: () => Promise<void>; flop: number },
  profile: boolean,
  upsampling: EnhanceUpsampling,
): Promise<StepResult> {
  const architecture = ARCHITECTURES[variant];
  const step = buildEnhanceTrainingStep({ architecture, batchSize: batch, patchSize: PATCH, l2: 1e-6, upsampling });
  const weights = initializeEnhanceWeights(architecture, { seed: 1 });
  const state = new Map<string, Float32Array>();
  for (const spec of enhanceParameterSpecs(architecture)) state.set(spec.name, weights[spec.name]);
  for (const o of step.optimizerState) state.set(o.name, new Float32Array(o.shape.reduce((p, d) => p * d, 1)));
  const shapes = new Map([...step.parameters, ...step.optimizerState].map((s) => [s.name, [...s.shape]]));
  const random = createRandom(2);
  const input = Float32Array.from({ length: batch * PATCH * PATCH }, () => 1 + 0.05 * (random() - 0.5));
  const target = Float32Array.from({ length: batch * 4 * PATCH * PATCH }, () => 1 + 0.08 * (random() - 0.5));
  let t = 0;
  const runner = (session: ort.InferenceSession) => async () => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, data] of state) feeds[name] = new ort.Tensor('float32', data, shapes.get(name)!);
    feeds.step = new ort.Tensor('float32', Float32Array.of(++t), []);
    feeds.learning_rate = new ort.Tensor('float32', Float32Array.of(1e-4), []);
    feeds.input = new ort.Tensor('float32', input, step.batchInputs.input);
    feeds.target = new ort.Tensor('float32', target, step.batchInputs.target);
    const out = await session.run(feeds);
    for (const name of shapes.keys()) state.set(name, out[`${NEXT_STATE_PREFIX}${name}`].data as Float32Array);
  };
  const gflopPerPatch = (3 * 2 * forwardMacsPerPixel(variant, upsampling) * PATCH * PATCH) / 1e9;
  const writtenShare = forwardMacsPerPixel(variant, 'resize') / forwardMacsPerPixel(variant, upsampling);
  const session = await ort.InferenceSession.create(step.model, sessionOptions());
  const timed = await pairedTimings(steps, 2, ceiling, gflopPerPatch * 1e9 * batch, runner(session));
  await session.release();

  // The profile comes from a session of its own: profiling slows the runs it records.
  let topOperators: StepResult['topOperators'];
  if (profile) {
    const profilePrefix = join(tmpdir(), `enhance-bench-train-${process.pid}-${variant}`);
    const profiled = await ort.InferenceSession.create(
      step.model,
      sessionOptions({ enableProfiling: true, profileFilePrefix: profilePrefix }),
    );
    const run = runner(profiled);
    for (let i = 0; i < PROFILED_STEPS; i++) await run();
    profiled.endProfiling();
    // onnxruntime names the file <prefix>_<timestamp>.json.
    const file = readdirSync(tmpdir())
      .map((f) => join(tmpdir(), f))
      .find((f) => f.startsWith(profilePrefix) && f.endsWith('.json'));
    if (file) {
      topOperators = summariseProfile(file);
      rmSync(file, { force: true });
    }
    await profiled.release();
  }
  const patchesPerSecond = batch / timed.stepSeconds;
  return {
    variant,
    upsampling,
    secondsPerStep: timed.stepSeconds,
    patchesPerSecond,
    gflopPerPatch,
    gflops: gflopPerPatch * patchesPerSecond,
    ceilingGflops: ceiling.flop / timed.ceilingSeconds / 1e9,
    ratioToCeiling: timed.ratio,
    writtenRatioToCeiling: timed.ratio * writtenShare,
    ...(topOperators ? { topOperators } : {}),
  };
}

/** Time per operator type over the profiled runs, largest first. */
function summariseProfile(file: string): { op: string; share: number; ms: number }[] {
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat?: string; dur?: number; args?: { op_name?: string } }[];
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.args?.op_name || typeof e.dur !== 'number') continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
    total += e.dur;
  }
  return [...byOp]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([op, us]) => ({ op, share: us / total, ms: us / 1000 / PROFILED_STEPS }));
}

const ceiling = await matMulCeiling();
console.log(`MatMul 2048³ fp32 ceiling, ${threads} thread(s), timed before each training step`);
const results: StepResult[] = [];
for (const variant of variants)
  for (const upsampling of upsamplings) {
    const r = await trainingStep(variant, ceiling, values.profile && variant === 'full', upsampling);
    results.push(r);
    const line =
      `${variant} step (${upsampling}), batch ${batch}: ${(r.secondsPerStep * 1000).toFixed(0)} ms, ${r.patchesPerSecond.toFixed(1)} patches/s, ` +
      `${r.gflopPerPatch.toFixed(2)} GFLOP/patch → ${r.gflops.toFixed(1)} GFLOP/s; ceiling beside it ${r.ceilingGflops.toFixed(1)} GFLOP/s; ` +
      `ratio ${r.ratioToCeiling.toFixed(2)} of the ceiling (as written ${r.writtenRatioToCeiling.toFixed(2)})`;
    console.log(line);
    for (const o of r.topOperators ?? [])
      console.log(`  ${o.op.padEnd(22)} ${(100 * o.share).toFixed(1).padStart(5)}%  ${o.ms.toFixed(1)} ms/step`);
  }
await ceiling.release();
writeFileSync(
  values.out,
  `${JSON.stringify({ machine: `${cpus()[0]?.model ?? 'unknown'} ×${cpus().length}`, threads, batch, steps, results }, null, 2)}\n`,
);
console.log(`wrote ${values.out}`);
