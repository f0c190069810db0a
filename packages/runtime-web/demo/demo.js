// @ts-check
// The demo page: reads an HMI FITS file and enhances it, each in a worker (a corrupt file can cost a
// worker, never the tab), and shows input and output. It uses only the bundle's public API, as any page
// without a bundler would.
import {
  EnhanceError,
  createEnhancer,
  defaultWasmThreadCount,
  detectEnhanceKind,
  displayPixels,
  displayRange,
  encodePng,
  qualityExtensions,
  readFitsInWorker,
  rgbFromRgba,
  rmsContrast,
  totalUnsignedFlux,
  writeFits,
} from '../bundle/enhance-web.js';
/**
 * @import { DisplayRange, EnhanceDevice, EnhanceKind, EnhanceResult, FitsImage, ModelVariant, NoDeviceAvailableError,
 *   PlainImage, QaResult, SolarImage, TtaOption, UnsignedFlux, WebEnhancer, WebEnhancerOptions } from '../bundle/enhance-web.js'
 */

/**
 * The elements of index.html that the page uses, by id.
 * @typedef {{
 *   blink: HTMLInputElement, 'blos-range': HTMLInputElement, 'compare-input': HTMLCanvasElement,
 *   'compare-output': HTMLCanvasElement, 'contrast-input': HTMLTableCellElement, 'contrast-output': HTMLTableCellElement,
 *   'contrast-row': HTMLTableRowElement, device: HTMLSelectElement, 'device-note': HTMLParagraphElement,
 *   'download-fits': HTMLButtonElement, 'download-png': HTMLButtonElement, 'drop-zone': HTMLLabelElement,
 *   environment: HTMLParagraphElement, error: HTMLParagraphElement, file: HTMLInputElement, 'file-name': HTMLSpanElement,
 *   'flux-input': HTMLTableCellElement, 'flux-output': HTMLTableCellElement, 'flux-row': HTMLTableRowElement,
 *   'input-canvas': HTMLCanvasElement, 'input-size': HTMLSpanElement, kind: HTMLSelectElement, 'model-url': HTMLInputElement,
 *   'output-canvas': HTMLCanvasElement, 'output-size': HTMLSpanElement, progress: HTMLProgressElement, qa: HTMLInputElement,
 *   'residual-canvas': HTMLCanvasElement, 'residual-figure': HTMLElement, 'residual-info': HTMLSpanElement,
 *   run: HTMLButtonElement, 'run-info': HTMLParagraphElement, slider: HTMLInputElement, status: HTMLParagraphElement,
 *   threads: HTMLInputElement, tta: HTMLSelectElement, variant: HTMLSelectElement, views: HTMLElement,
 * }} DemoElements
 */

/**
 * What a run left: the enhancer's result and the settings it ran with.
 * @typedef {EnhanceResult<SolarImage> & { kind: EnhanceKind, variant: ModelVariant | undefined, threads: number }} DemoResult
 */

/**
 * What the page holds; tests read it through window.enhanceDemo.
 * @typedef {object} DemoState
 * @property {FitsImage | undefined} input the file that was read
 * @property {string | undefined} fileName
 * @property {DemoResult | undefined} result
 * @property {WebEnhancer | undefined} enhancer
 * @property {string | undefined} enhancerKey the options `enhancer` was created with, as JSON
 * @property {unknown} error the error on show
 */

/**
 * An element of index.html, typed by its id.
 * @template {keyof DemoElements} Id
 * @param {Id} id
 * @returns {DemoElements[Id]}
 */
const $ = (id) => /** @type {DemoElements[Id]} */ (document.getElementById(id));
const params = new URLSearchParams(location.search);
for (const key of /** @type {const} */ (['kind', 'variant', 'device', 'threads', 'tta'])) {
  const value = params.get(key);
  if (value !== null) $(key).value = value;
}
if (params.has('qa')) $('qa').checked = params.get('qa') !== '0';
const modelParameter = params.get('model');
if (modelParameter !== null) $('model-url').value = modelParameter;
// How long a file may take to decode before its worker is stopped (a test sets it low to reach that path).
const decodeTimeoutMs = Number(params.get('decodeTimeout')) > 0 ? Number(params.get('decodeTimeout')) : 10_000;
// The runtime's own default, shown so that the field says what a run will use.
if (!params.has('threads')) $('threads').value = String(defaultWasmThreadCount());

/** @type {DemoState} */
const state = { input: undefined, fileName: undefined, result: undefined, enhancer: undefined, enhancerKey: undefined, error: undefined };
window.enhanceDemo = { state, run: () => run() };

$('environment').textContent =
  `crossOriginIsolated: ${globalThis.crossOriginIsolated ? 'yes (WASM threads available)' : 'no (WASM runs on one thread)'}` +
  ` · WebGPU API: ${'gpu' in navigator ? 'present' : 'absent'} · ${navigator.hardwareConcurrency} logical cores`;

/**
 * @param {'idle' | 'reading' | 'loaded' | 'running' | 'done' | 'error'} status body[data-status], which the tests wait on
 * @param {string} text
 */
function setStatus(status, text) {
  document.body.dataset.status = status;
  $('status').textContent = text;
}

/** @param {unknown} error */
function showError(error) {
  state.error = error;
  const code = EnhanceError.isInstance(error) ? ` [${error.code}]` : '';
  // DEVICE_UNAVAILABLE is a NoDeviceAvailableError, rebuilt as one when it comes from the worker.
  const failures =
    EnhanceError.isInstance(error) && error.code === 'DEVICE_UNAVAILABLE'
      ? /** @type {NoDeviceAvailableError} */ (error).failures
      : undefined;
  const webGpuOnly = failures?.length === 1 && failures[0].device === 'webgpu';
  const message = webGpuOnly
    ? `${sentence(failures[0].reason)}; choose auto or WASM to run on the CPU.`
    : error instanceof Error
      ? error.message
      : String(error);
  $('error').textContent = `${message}${code}`;
  $('error').hidden = false;
  setStatus('error', 'Failed.');
}

function hideError() {
  state.error = undefined;
  $('error').textContent = '';
  $('error').hidden = true;
}

/** Takes the previous result off the page; `input: true` also forgets the input (a file that could not be read). */
function clearResult({ input = false } = {}) {
  state.result = undefined;
  $('run-info').textContent = '';
  $('device-note').hidden = true;
  $('progress').value = 0;
  $('download-fits').disabled = $('download-png').disabled = true;
  $('residual-figure').hidden = true;
  $('residual-canvas').width = $('residual-canvas').height = 0;
  $('residual-info').textContent = '';
  if (!input) return;
  state.input = state.fileName = undefined;
  $('run').disabled = true;
  $('views').hidden = true;
  $('file-name').textContent = '';
  for (const id of /** @type {const} */ (['input-canvas', 'output-canvas', 'compare-input', 'compare-output']))
    $(id).width = $(id).height = 0;
  for (const id of /** @type {const} */ (['input-size', 'output-size', 'contrast-input', 'contrast-output', 'flux-input', 'flux-output']))
    $(id).textContent = '';
}

/**
 * Capitalises a reason from the runtime ('WebGPU is ...', 'the only WebGPU adapter ...') to start a sentence.
 * @param {string} reason
 */
function sentence(reason) {
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

/**
 * The read in progress; a file picked while another is read replaces it.
 * @type {AbortController | undefined}
 */
let reading;

/** @param {File} file */
async function loadFile(file) {
  reading?.abort();
  const controller = (reading = new AbortController());
  hideError();
  // The previous file is gone once another is picked, even before this one is read.
  clearResult({ input: true });
  setStatus('reading', `Reading ${file.name}…`);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const image = await readFitsInWorker(bytes, { file: file.name, timeoutMs: decodeTimeoutMs, signal: controller.signal, transfer: true });
    if (controller !== reading) return;
    state.input = image;
    state.fileName = file.name;
    state.result = undefined;
    $('file-name').textContent = `${file.name}: ${image.width}×${image.height}, HDU ${image.hdu}, BITPIX ${image.bitpix}`;
    $('kind').value = guessKind(image, file.name);
    $('run').disabled = false;
    $('download-fits').disabled = $('download-png').disabled = true;
    setStatus('loaded', 'Ready: press Enhance.');
    render();
  } catch (error) {
    if (controller !== reading) return;
    clearResult({ input: true });
    showError(error);
  }
}

/**
 * Core's rule, the CLI's too: the header (BUNIT, CONTENT, an HMI series), the file name, else the data
 * (signed about 0 → magnetogram, positive around a level → intensity). The user can correct the guess.
 * @param {FitsImage} image
 * @param {string} fileName
 * @returns {string} the kind selector's value
 */
function guessKind(image, fileName) {
  const detection = detectEnhanceKind(image, { fileName });
  if (detection.decidedBy === 'data')
    console.warn(`${fileName}: the header does not tell the kind; ${detection.kind ?? 'none'} from the data (${detection.reason})`);
  return detection.kind ?? $('kind').value;
}

/**
 * The enhancer for these options: the one from the previous run when they are the same, else a new one.
 * @param {WebEnhancerOptions} options
 * @returns {Promise<WebEnhancer>}
 */
async function enhancerFor(options) {
  const key = JSON.stringify(options);
  if (state.enhancer && state.enhancerKey === key) return state.enhancer;
  await state.enhancer?.dispose();
  state.enhancer = undefined;
  const progress = $('progress');
  state.enhancer = await createEnhancer({
    ...options,
    onProgress: (event) => {
      if (event.status === 'loading') setStatus('running', `Loading model ${event.source}…`);
      if (event.status === 'ready') setStatus('running', `Model ready on ${event.device}.`);
      if (event.status === 'progress') progress.value = event.total ? event.loaded / event.total : 0;
    },
    onWarning: (message) => console.warn(message),
  });
  state.enhancerKey = key;
  return state.enhancer;
}

async function run() {
  const input = state.input;
  if (!input) return;
  hideError();
  $('run').disabled = true;
  setStatus('running', 'Starting…');
  try {
    // The selectors offer only valid values; createEnhancer checks them anyway (a URL parameter can set any).
    /** @type {WebEnhancerOptions} */
    const options = {
      kind: /** @type {EnhanceKind} */ ($('kind').value),
      variant: /** @type {ModelVariant} */ ($('variant').value),
      device: /** @type {EnhanceDevice} */ ($('device').value),
      threads: Number($('threads').value) || 0,
    };
    const model = $('model-url').value.trim();
    if (model) options.model = model;
    const enhancer = await enhancerFor(options);
    showDeviceNote(enhancer);
    setStatus('running', `Enhancing on ${enhancer.device}…`);
    const result = await enhancer.enhance(input, {
      history: ['Enhance for ONNX browser demo'],
      qa: $('qa').checked,
      tta: /** @type {TtaOption} */ (Number($('tta').value)),
    });
    // Another file picked while this one ran: its result belongs to an image no longer shown.
    if (state.input !== input) return;
    state.result = { ...result, kind: enhancer.kind, variant: options.variant, threads: enhancer.threads };
    $('download-fits').disabled = $('download-png').disabled = false;
    $('run-info').textContent =
      `Ran on ${result.device} (${enhancer.threads} WASM thread${enhancer.threads === 1 ? '' : 's'}) in ` +
      `${(result.timeMs / 1000).toFixed(2)} s, ${result.tiles} tile${result.tiles === 1 ? '' : 's'}; ` +
      `input divided by ${result.scale.toPrecision(5)}${result.tta > 1 ? `, mean of ${result.tta} flips/rotations` : ''}. Model: ${enhancer.info.source}` +
      `${enhancer.info.trained ? '' : ' (untrained weights)'}.`;
    render();
    setStatus('done', `Done on ${result.device} in ${(result.timeMs / 1000).toFixed(2)} s.`);
  } catch (error) {
    showError(error);
  } finally {
    $('run').disabled = !state.input;
  }
}

/**
 * Says in a sentence why 'auto' runs on WebAssembly when WebGPU was passed over (no adapter, or a software one).
 * @param {WebEnhancer} enhancer
 */
function showDeviceNote(enhancer) {
  const webGpu = enhancer.deviceFailures.find((failure) => failure.device === 'webgpu');
  const note = webGpu && enhancer.device === 'wasm' ? `${sentence(webGpu.reason)}; using WebAssembly (CPU).` : '';
  $('device-note').textContent = note;
  $('device-note').hidden = !note;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {PlainImage} image
 * @param {DisplayRange} range
 */
function paint(canvas, image, range) {
  canvas.width = image.width;
  canvas.height = image.height;
  // Never null: the page's canvases get no other context than '2d'.
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  // A fresh array on an ArrayBuffer, as ImageData needs (the declared Uint8ClampedArray admits a SharedArrayBuffer too).
  const pixels = /** @type {Uint8ClampedArray<ArrayBuffer>} */ (displayPixels(image, range));
  context.putImageData(new ImageData(pixels, image.width, image.height), 0, 0);
}

/** @returns {DisplayRange} */
function currentRange() {
  const images = [state.input, state.result?.image].filter((image) => image !== undefined);
  return displayRange(/** @type {EnhanceKind} */ ($('kind').value), images, Number($('blos-range').value) || 1000);
}

function render() {
  const { input, result } = state;
  if (!input) return;
  $('views').hidden = false;
  const range = currentRange();
  paint($('input-canvas'), input, range);
  paint($('compare-input'), input, range);
  $('input-size').textContent = `${input.width}×${input.height}`;
  const kind = $('kind').value;
  $('contrast-row').hidden = kind !== 'intensity';
  $('flux-row').hidden = kind !== 'blos';
  $('contrast-input').textContent = formatPercent(rmsContrast(input));
  $('flux-input').textContent = formatFlux(totalUnsignedFlux(input));
  if (result) {
    paint($('output-canvas'), result.image, range);
    paint($('compare-output'), result.image, range);
    $('output-size').textContent = `${result.image.width}×${result.image.height}`;
    $('contrast-output').textContent = formatPercent(rmsContrast(result.image));
    $('flux-output').textContent = formatFlux(totalUnsignedFlux(result.image, input.width));
    renderResidual(result.qa);
  } else {
    for (const id of /** @type {const} */ (['output-canvas', 'compare-output'])) {
      $(id).width = input.width * 2;
      $(id).height = input.height * 2;
    }
    $('output-size').textContent = $('contrast-output').textContent = $('flux-output').textContent = '';
  }
  updateCompare();
}

/**
 * The quality check's residual as the third view: gray, symmetric about 0 (mid-gray), ±3× its 99th
 * percentile; the summary beside it, and the warning when it exceeds what the model card measured.
 * @param {QaResult<SolarImage> | undefined} qa
 */
function renderResidual(qa) {
  $('residual-figure').hidden = !qa;
  if (!qa) return;
  const bound = 3 * qa.summary.residualP99 || 1;
  paint($('residual-canvas'), qa.residual, { low: -bound, high: bound });
  const { relativeResidual, fractionAbove3Sigma, reference, exceedsReference } = qa.summary;
  $('residual-info').textContent =
    `(±${bound.toPrecision(3)}): ${(100 * relativeResidual).toFixed(2)} % of mean |input|, ` +
    `${(100 * fractionAbove3Sigma).toFixed(1)} % of pixels beyond 3σ of the noise` +
    (reference
      ? `; the model card's largest on real data: ${(100 * reference.maxRelativeResidual).toFixed(2)} %${exceedsReference ? ' — exceeded' : ''}`
      : '');
}

/** @param {number} value */
function formatPercent(value) {
  return Number.isFinite(value) ? `${(100 * value).toFixed(2)} %` : '—';
}

/** @param {UnsignedFlux} flux */
function formatFlux(flux) {
  const pixels = `${flux.gaussReferencePixels.toExponential(4)} G·px²`;
  return flux.maxwell === undefined ? pixels : `${flux.maxwell.toExponential(4)} Mx (${pixels})`;
}

function updateCompare() {
  const fraction = Number($('slider').value) / 100;
  // The input covers the left part of the stack up to the slider; the enhanced image shows on the right.
  $('compare-input').style.clipPath = `inset(0 ${(100 * (1 - fraction)).toFixed(1)}% 0 0)`;
}

/** @type {number | undefined} */
let blinkTimer;
$('blink').addEventListener('change', () => {
  clearInterval(blinkTimer);
  $('compare-input').style.visibility = 'visible';
  if ($('blink').checked) {
    $('compare-input').style.clipPath = 'none';
    blinkTimer = setInterval(() => {
      const style = $('compare-input').style;
      style.visibility = style.visibility === 'hidden' ? 'visible' : 'hidden';
    }, 600);
  } else {
    updateCompare();
  }
});
$('slider').addEventListener('input', () => {
  if (!$('blink').checked) updateCompare();
});

function baseName() {
  return (state.fileName ?? 'image').replace(/\.(fits|fts|fit|fz)(\.gz)?$/i, '');
}

/**
 * @param {Uint8Array} bytes writeFits' or encodePng's output: a fresh array on an ArrayBuffer, as Blob needs (the
 *   declared Uint8Array admits a SharedArrayBuffer too)
 * @param {string} name
 * @param {string} type
 */
function download(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (bytes)], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('download-fits').addEventListener('click', () => {
  if (!state.result) return;
  try {
    const file = `${baseName()}_enhanced.fits`;
    download(writeFits(state.result.image, { file, extensions: qualityExtensions(state.result) }), file, 'application/fits');
  } catch (error) {
    showError(error);
  }
});

$('download-png').addEventListener('click', () => {
  if (!state.result) return;
  const { image } = state.result;
  const rgb = rgbFromRgba(displayPixels(image, currentRange()));
  download(encodePng({ width: image.width, height: image.height, channels: 3, data: rgb }), `${baseName()}_enhanced.png`, 'image/png');
});

$('file').addEventListener('change', () => {
  const file = $('file').files?.[0];
  if (file) void loadFile(file);
});
const dropZone = $('drop-zone');
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  const file = event.dataTransfer?.files?.[0];
  if (file) void loadFile(file);
});
$('run').addEventListener('click', () => void run());
for (const id of /** @type {const} */ (['kind', 'blos-range'])) $(id).addEventListener('change', render);
