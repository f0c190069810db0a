#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { EnhanceError, ENHANCE_KINDS, type EnhanceKind } from '@enhance/core';
import { parseScriptArguments } from '@enhance/core/node';
import { evaluateEnhance, type EnhanceEvaluation } from '../evaluation/evaluate-enhance.js';
import { evaluateQuality, qaReferenceFile, type QualityEvaluation } from '../evaluation/evaluate-quality.js';
import { renderModelCard } from '../evaluation/model-card.js';
import { evaluateInt8, type Int8Evaluation } from '../evaluation/evaluate-int8.js';
import { paperChecks } from '../evaluation/paper-checks.js';
import { measureConvolutionTimings } from '../physics/convolution-timing.js';
import { comparePsfSpectra, PSF_COMPARISON_BAND, type PsfSpectrumComparison } from '../physics/psf-spectrum-comparison.js';
import { HMI_PIXEL_SCALE_ARCSEC } from '../data/degrade-pair.js';
import { PLOT_COLORS, renderLinePlot, type LineSeries } from '../plot/line-plot.js';
import { renderImagePanels, sharedPercentileRange, type ColorBar } from '../plot/image-panels.js';

const HELP = `Usage: npm run evaluate -- [options]

Evaluates bicubic ×2, Richardson–Lucy (20 it.) and the Enhance networks in models/ on the held-out
validation data and on real HMI images; writes figures and JSON to docs/figures/ and models/MODEL_CARD.md.

  --shared-dir DIR    the folder holding data/ (default ../shared)
  --models-dir DIR    where enhance-<kind>[-lite].onnx are looked for (default models)
  --figures-dir DIR   figures and evaluation.json (default docs/figures)
  --card PATH         the model card to write (default models/MODEL_CARD.md; 'none' to skip)
  --kind K            intensity or blos only (default both)
  --psf-only          only the PSF / power-spectrum comparison (paper Fig. 4)
  --convolution-timing  only time ONNX Conv against the TypeScript FFT (docs/physics.md) and print it
  --cache-dir DIR     degraded-image cache (default runs/cache)
  --qa-reference PATH the quality check's reference residuals on real data (default
                      <models-dir>/qa-reference.json, shipped with the models; 'none' to skip)
  --skip-quality      leave out the quality check / TTA / limb-normalisation measurements
  --skip-int8         leave out the int8 models' comparison with fp32 (models/enhance-*-int8.onnx)
  --quality-only      only those (quality.json in --figures-dir and --qa-reference; no card)
  --threads N         onnxruntime threads (default 2)
  -h, --help          this text
`;

const METHOD_COLORS = [PLOT_COLORS.black, PLOT_COLORS.red, PLOT_COLORS.blue, PLOT_COLORS.orange, PLOT_COLORS.green];

/** Pictures hold intensity in I/Ic and magnetograms in kG (the networks' units), shown in G. */
const COLOR_BARS: Readonly<Record<EnhanceKind, ColorBar>> = Object.freeze({
  intensity: { title: 'I/Ic' },
  blos: { title: 'B_LOS (G)', unitsPerValue: 1000 },
});

function writeSvg(path: string, svg: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}

async function psfFigure(psf: PsfSpectrumComparison, path: string): Promise<void> {
  writeSvg(
    path,
    await renderLinePlot({
      title: 'MURaM degraded to 0.504"/px vs HMI quiet Sun',
      xLabel: 'spatial frequency (1/px)',
      yLabel: 'power (image / mean)',
      yScale: 'log',
      xRange: [0, 0.5],
      markers: [...PSF_COMPARISON_BAND],
      series: [
        { label: 'HMI quiet Sun', x: psf.hmi.frequency, y: psf.hmi.power, color: PLOT_COLORS.black },
        {
          label: `paper PSF ${psf.rmsLogRatio.paper.toFixed(3)} dex`,
          x: psf.degraded.paper.frequency,
          y: psf.degraded.paper.power,
          color: PLOT_COLORS.orange,
        },
        {
          label: `Wachter PSF ${psf.rmsLogRatio.wachter.toFixed(3)} dex`,
          x: psf.degraded.wachter.frequency,
          y: psf.degraded.wachter.power,
          color: PLOT_COLORS.blue,
        },
      ],
    }),
  );
}

async function evaluationFigures(evaluation: EnhanceEvaluation, figuresDir: string): Promise<{ caption: string; file: string }[]> {
  const written: { caption: string; file: string }[] = [];
  for (const picture of evaluation.pictures) {
    const isValidation = picture.target !== undefined;
    // Every picture covers the input's field of view: the input at HMI's pixel scale, the ×2 images at half of it.
    const arcsecPerPixel = (width: number) => (HMI_PIXEL_SCALE_ARCSEC * picture.input.width) / width;
    const panels = [
      { title: 'input', image: picture.input },
      ...picture.outputs.map((o) => ({ title: o.method.replace('Richardson–Lucy', 'RL'), image: o.image })),
      ...(picture.target ? [{ title: 'target 28 cm', image: picture.target }] : []),
    ].map((p) => ({ ...p, arcsecPerPixel: arcsecPerPixel(p.image.width) }));
    // The scale comes from the data (input and target), so a wild output cannot wash out the others.
    const range: [number, number] =
      picture.kind === 'blos' ? [-1, 1] : sharedPercentileRange([picture.input, ...(picture.target ? [picture.target] : [])]);
    const file = join(figuresDir, `${isValidation ? 'validation' : 'hmi'}-${picture.kind}.svg`);
    const title = `${picture.kind}: ${picture.name}`;
    writeSvg(file, await renderImagePanels({ panels, range, colorBar: COLOR_BARS[picture.kind], title }));
    written.push({ caption: `${picture.kind}, ${isValidation ? 'validation' : 'real HMI'}: ${picture.name}`, file });
  }
  for (const set of evaluation.spectra) {
    const series: LineSeries[] = set.spectra.map((s, i) => ({
      label: s.method,
      x: s.spectrum.frequency,
      y: s.spectrum.power,
      color: METHOD_COLORS[i % METHOD_COLORS.length],
    }));
    const file = join(figuresDir, `spectra-${set.image.replace(/\.(fits|npy)$/, '')}.svg`);
    writeSvg(
      file,
      await renderLinePlot({
        title: `power spectra: ${set.image}`,
        xLabel: 'spatial frequency (1/px at 0.252"/px)',
        yLabel: 'power',
        yScale: 'log',
        xRange: [0, 0.5],
        series,
      }),
    );
    written.push({ caption: `power spectra, ${set.image}`, file });
  }
  return written;
}

/**
 * Validation error against patches seen, from each model's own metadata (the run it was exported from;
 * a warm-started run's patches start after the model it began from).
 */
function learningCurveSeries(models: EnhanceEvaluation['models']): LineSeries[] {
  const series: LineSeries[] = [];
  models.forEach((m, i) => {
    let history: { step: number; mse: number }[];
    try {
      history = JSON.parse(m.metadata.training_validation_history ?? '[]') as { step: number; mse: number }[];
    } catch {
      return;
    }
    if (history.length < 2) return;
    const batch = Number((JSON.parse(m.metadata.training_recipe ?? '{}') as { batch_size?: number }).batch_size ?? 32);
    const prior = Number((JSON.parse(m.metadata.training_warm_start ?? '{}') as { patchesSeen?: number }).patchesSeen ?? 0);
    series.push({
      label: `${m.kind} ${m.variant}`,
      x: Float64Array.from(history, (h) => prior + h.step * batch),
      y: Float64Array.from(history, (h) => h.mse),
      color: METHOD_COLORS[(i + 1) % METHOD_COLORS.length],
    });
  });
  return series;
}

/** JSON of the numbers (spectra and images left out: they are in the figures). */
function summary(evaluation: EnhanceEvaluation | undefined, psf: PsfSpectrumComparison): unknown {
  return {
    psf: { band: PSF_COMPARISON_BAND, rmsLogRatio: psf.rmsLogRatio, contrast: psf.contrast, better: psf.better },
    ...(evaluation && {
      models: evaluation.models.map((m) => ({ ...m, file: relative(process.cwd(), m.file) })),
      trainingSets: evaluation.trainingSets,
      validation: evaluation.validation,
      continuum: evaluation.continuum,
      magnetograms: evaluation.magnetograms,
      liteVsFull: evaluation.liteVsFull,
      checks: evaluation.checks,
      paperChecks: paperChecks(evaluation),
    }),
  };
}

async function main(): Promise<void> {
  const values = parseScriptArguments('evaluate', HELP, {
    'shared-dir': { type: 'string', default: '../shared' },
    'models-dir': { type: 'string', default: 'models' },
    'figures-dir': { type: 'string', default: 'docs/figures' },
    card: { type: 'string', default: 'models/MODEL_CARD.md' },
    kind: { type: 'string' },
    'psf-only': { type: 'boolean', default: false },
    'convolution-timing': { type: 'boolean', default: false },
    'cache-dir': { type: 'string' },
    'qa-reference': { type: 'string' },
    'skip-quality': { type: 'boolean', default: false },
    'skip-int8': { type: 'boolean', default: false },
    'quality-only': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
  });
  if (values.kind !== undefined && !ENHANCE_KINDS.includes(values.kind as EnhanceKind)) {
    throw new EnhanceError({ message: `--kind must be one of ${ENHANCE_KINDS.join(', ')}, got '${values.kind}'`, code: 'CLI_ARGUMENT' });
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new EnhanceError({ message: `--threads must be a positive integer, got '${values.threads}'`, code: 'CLI_ARGUMENT' });
  const sharedDir = resolve(values['shared-dir']);
  const figuresDir = resolve(values['figures-dir']);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (values['convolution-timing']) {
    for (const t of await measureConvolutionTimings({ threads })) {
      const onnx = t.onnxConvMs === undefined ? 'skipped' : `${t.onnxConvMs.toFixed(0)} ms`;
      process.stdout.write(`image ${t.imageSize}², kernel ${t.kernelSize}²: ONNX Conv ${onnx}, TypeScript FFT ${t.fftMs.toFixed(0)} ms\n`);
    }
    return;
  }

  log('PSF comparison (paper Fig. 4)');
  const psf = await comparePsfSpectra(sharedDir);
  const figures: { caption: string; file: string }[] = [
    {
      caption: 'paper Fig. 4 check: power spectra of MURaM degraded with both HMI PSFs and of HMI quiet Sun',
      file: join(figuresDir, 'psf-spectra.svg'),
    },
  ];
  await psfFigure(psf, figures[0].file);
  log(
    `  RMS log10 power ratio ${PSF_COMPARISON_BAND.join('–')} px⁻¹: paper ${psf.rmsLogRatio.paper.toFixed(4)}, Wachter ${psf.rmsLogRatio.wachter.toFixed(4)} → ${psf.better}`,
  );

  const cacheDir = values['cache-dir'] === undefined ? undefined : resolve(values['cache-dir']);
  const kinds = values.kind ? [values.kind as EnhanceKind] : ENHANCE_KINDS;
  let quality: QualityEvaluation | undefined;
  if (!values['psf-only'] && !values['skip-quality']) {
    const modelsDir = resolve(values['models-dir']);
    quality = await evaluateQuality({ sharedDir, modelsDir, cacheDir, threads, kinds, log });
    const referencePath = values['qa-reference'] ?? join(modelsDir, 'qa-reference.json');
    if (referencePath !== 'none') {
      const command = `npm run evaluate${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
      mkdirSync(dirname(resolve(referencePath)), { recursive: true });
      writeFileSync(resolve(referencePath), `${JSON.stringify(qaReferenceFile(quality.qaReal, command), null, 2)}\n`);
      log(`wrote ${relative(process.cwd(), resolve(referencePath))}`);
    }
    if (values['quality-only']) {
      mkdirSync(figuresDir, { recursive: true });
      writeFileSync(join(figuresDir, 'quality.json'), `${JSON.stringify(quality, null, 2)}\n`);
      log(`wrote ${relative(process.cwd(), join(figuresDir, 'quality.json'))}`);
      return;
    }
  }

  let evaluation: EnhanceEvaluation | undefined;
  if (!values['psf-only']) {
    evaluation = await evaluateEnhance({
      sharedDir,
      modelsDir: resolve(values['models-dir']),
      cacheDir,
      threads,
      kinds,
      log,
    });
    figures.push(...(await evaluationFigures(evaluation, figuresDir)));
    const curves = learningCurveSeries(evaluation.models);
    if (curves.length > 0) {
      const file = join(figuresDir, 'learning-curves.svg');
      writeSvg(
        file,
        await renderLinePlot({
          title: 'validation MSE against training patches seen',
          xLabel: 'patches seen',
          xFormat: '~s',
          yLabel: 'validation MSE',
          yScale: 'log',
          series: curves,
        }),
      );
      figures.push({ caption: "learning curves (validation MSE against patches seen, from each model's metadata)", file });
    }
  }
  let int8: Int8Evaluation | undefined;
  if (evaluation && !values['skip-int8'])
    int8 = await evaluateInt8({ sharedDir, modelsDir: resolve(values['models-dir']), threads, kinds, log });
  mkdirSync(figuresDir, { recursive: true });
  writeFileSync(
    join(figuresDir, values['psf-only'] ? 'psf-comparison.json' : 'evaluation.json'),
    `${JSON.stringify({ ...(summary(evaluation, psf) as object), ...(quality ? { quality } : {}), ...(int8 ? { int8 } : {}) }, null, 2)}\n`,
  );
  if (evaluation && values.card !== 'none') {
    const cardPath = resolve(values.card);
    const card = renderModelCard({
      evaluation,
      quality,
      int8,
      psf,
      figures: figures.map((f) => ({ caption: f.caption, path: relative(dirname(cardPath), f.file) })),
      generatedAt: new Date().toISOString().slice(0, 10),
      command: `npm run evaluate${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    });
    mkdirSync(dirname(cardPath), { recursive: true });
    writeFileSync(cardPath, card);
    log(`wrote ${relative(process.cwd(), cardPath)}`);
  }
  for (const f of figures) log(`wrote ${relative(process.cwd(), f.file)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${EnhanceError.isInstance(error) ? `${error.code}: ${error.message}` : String(error instanceof Error ? error.stack : error)}\n`,
  );
  process.exitCode = 1;
});
