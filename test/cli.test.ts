import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitsHeader, readEnhanceModelInfo, readFits, writeFits } from '@enhance/core';
import { createEnhancer } from '@enhance/runtime-node';
import { card, compressedImageHdu, concat, emptyPrimary, plainImageFile, quoted } from '@enhance/test-support';
import { bundleCli } from './cli-support/bundle-cli.js';
import { randomLiteModel } from './cli-support/random-model.js';

let cli: string;
let folder: string;
let intensityModel: string;
let blosModel: string;
const emptyModels = () => join(folder, 'no-models');

beforeAll(async () => {
  cli = await bundleCli();
  folder = mkdtempSync(join(tmpdir(), 'enhance-cli-'));
  intensityModel = join(folder, 'intensity-lite.onnx');
  blosModel = join(folder, 'blos-lite.onnx');
  writeFileSync(intensityModel, randomLiteModel('intensity'));
  writeFileSync(blosModel, randomLiteModel('blos'));
  writeFileSync(join(folder, 'not-a-model.onnx'), 'hello');
  rmSync(emptyModels(), { recursive: true, force: true });
  spawnSync('mkdir', [emptyModels()]);
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Whether onnxruntime-node's optional CUDA provider is installed next to its binding (script/install-metadata.js). */
function cudaProviderInstalled(): boolean {
  const binding = createRequire(import.meta.url).resolve(
    `onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
  );
  return existsSync(
    join(dirname(binding), process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'),
  );
}

function enhance(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, ENHANCE_MODELS_DIR: emptyModels(), ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `enhance` without waiting: for runs that race each other or get a signal while they work. */
function enhanceInBackground(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: folder, env: { ...process.env, ENHANCE_MODELS_DIR: emptyModels() } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** A small image with granulation-like structure, a NaN corner and a linear WCS. */
function intensityImage(width = 23, height = 19, unit = 'DN/s') {
  const data = Float32Array.from({ length: width * height }, (_, i) => 50_000 * (1 + 0.04 * Math.sin(i * 0.9) * Math.cos(i * 0.31)));
  data[0] = Number.NaN;
  const header = new FitsHeader()
    .with('BUNIT', unit)
    .with('CTYPE1', 'HPLN-TAN')
    .with('CTYPE2', 'HPLT-TAN')
    .with('CRPIX1', 12)
    .with('CRPIX2', 10)
    .with('CDELT1', 0.504)
    .with('CDELT2', 0.504)
    .with('CRVAL1', 100)
    .with('CRVAL2', -50);
  return { data, width, height, header };
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/** Files in the test folder that a failed run must not leave behind (outputs or temporaries). */
function strayFiles(before: string[]): string[] {
  return readdirSync(folder).filter((name) => !before.includes(name));
}

describe('enhance run', () => {
  it('enhances a FITS image: 2× size, WCS and HISTORY updated, NaN blocks, input untouched, PNG preview', async () => {
    const input = write('quiet.fits', writeFits(intensityImage()));
    const inputBytes = readFileSync(input);
    const inputTime = statSync(input).mtimeMs;
    const { code, stdout, stderr } = enhance([
      'run',
      'quiet.fits',
      '-o',
      'quiet-x2.fits',
      '--model',
      intensityModel,
      '--png',
      'quiet.png',
      '--json',
    ]);
    expect(code).toBe(0);
    // Warnings only, one line each: the untrained weights. The default device ('auto') says nothing about
    // CUDA on a CPU-only install: its provider is not installed, which is the normal case, not news.
    expect(stderr).toMatch(/^enhance: warning: .*untrained weights/m);
    expect(
      stderr
        .trim()
        .split('\n')
        .every((line) => line.startsWith('enhance: warning: ')),
    ).toBe(true);
    if (!cudaProviderInstalled()) expect(stderr).not.toMatch(/cuda/i);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ kind: 'intensity', device: 'cpu', inputSize: [23, 19], outputSize: [46, 38], nanPixels: 1, tiles: 1 });

    const output = readFits(readFileSync(join(folder, 'quiet-x2.fits')), { file: 'quiet-x2.fits' });
    expect([output.width, output.height]).toEqual([46, 38]);
    expect(output.header.get('CRPIX1')).toBe(2 * 12 - 0.5);
    expect(output.header.get('CDELT2')).toBe(0.252);
    expect(output.header.get('BUNIT')).toBe('DN/s');
    const history = output.header.cards
      .filter((c) => c.key === 'HISTORY')
      .map((c) => String(c.value ?? c.comment ?? ''))
      .join(' ');
    expect(history).toMatch(/enhance CLI \d+\.\d+\.\d+/);
    expect(history).toContain('device cpu');
    // The model by file name and SHA-256, never the machine's folders; cards wrapped at spaces, so the
    // cards joined with spaces hold every record whole.
    const sha256 = createHash('sha256').update(readFileSync(intensityModel)).digest('hex');
    expect(history).toContain(`model intensity-lite.onnx, SHA-256 ${sha256}`);
    expect(history).not.toContain(folder);
    const info = readEnhanceModelInfo(new Uint8Array(readFileSync(intensityModel)));
    expect(history).toContain(`Enhance intensity network ${info.depth}x${info.filters} (${info.provenance})`);
    for (const card of output.header.cards.filter((c) => c.key === 'HISTORY')) expect(String(card.value).length).toBeLessThanOrEqual(72);
    expect([0, 1, 46, 47].map((i) => Number.isNaN(output.data[i]))).toEqual([true, true, true, true]);
    expect(Number.isNaN(output.data[2])).toBe(false);

    // The file holds what the library computes for the same image and model.
    const enhancer = await createEnhancer({ kind: 'intensity', model: intensityModel, device: 'cpu' });
    const direct = await enhancer.enhance(intensityImage());
    await enhancer.dispose();
    expect(Array.from(output.data)).toEqual(Array.from(direct.image.data));
    expect(summary.scale).toBeCloseTo(direct.scale, 3);

    expect(readFileSync(input).equals(inputBytes)).toBe(true);
    expect(statSync(input).mtimeMs).toBe(inputTime);

    const png = readFileSync(join(folder, 'quiet.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([46 + 46 + 4, 38]);
    const idatLength = png.readUInt32BE(33);
    expect(inflateSync(png.subarray(41, 41 + idatLength)).length).toBe((96 * 3 + 1) * 38);
  });

  it('infers blos from BUNIT = Gauss and works in units of 1000 G', () => {
    const image = intensityImage(16, 12, 'Gauss');
    write('blos.fits', writeFits({ ...image, data: image.data.map((v) => v / 100 - 500) }));
    const { code, stdout } = enhance(['run', 'blos.fits', '-o', 'blos-x2.fits', '--model', blosModel, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'blos', scale: 1000, outputSize: [32, 24] });
  });

  it('refuses a model of the other kind', () => {
    write('blos2.fits', writeFits(intensityImage(8, 8, 'Gauss')));
    const { code, stderr } = enhance(['run', 'blos2.fits', '-o', 'out.fits', '--model', intensityModel]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`enhance: ${intensityModel}: the model enhances 'intensity' images, not 'blos'`);
    expect(existsSync(join(folder, 'out.fits'))).toBe(false);
  });

  it('takes a plain FITS file without BUNIT by its data, saying so in one warning line', () => {
    write('plain.fits', writeFits({ ...intensityImage(8, 8), header: new FitsHeader() }));
    const { code, stdout, stderr } = enhance(['run', 'plain.fits', '-o', 'plain-x2.fits', '--model', intensityModel, '--json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'intensity', outputSize: [16, 16] });
    const kindLines = stderr.split('\n').filter((line) => line.includes('from the data'));
    expect(kindLines).toEqual([
      expect.stringMatching(
        /^enhance: warning: plain\.fits: the header does not tell the kind \(BUNIT = null, CONTENT = null\); 'intensity' from the data \(positive values around a level: .*\); pass --kind to choose$/,
      ),
    ]);
  });

  it('enhances a real-looking HMI magnetogram saved without BUNIT (signed, ±1000s of G) as blos, divided by 1000 G', () => {
    // Quiet-Sun noise of ±20 G with a bipolar region of ±1.8 kG, like hmi.M_720s cut-outs.
    const width = 24;
    const height = 20;
    const data = Float32Array.from({ length: width * height }, (_, i) => {
      const x = i % width;
      const y = Math.floor(i / width);
      const spot = (cx: number, sign: number) => sign * 1800 * Math.exp(-((x - cx) ** 2 + (y - 10) ** 2) / 8);
      return 20 * Math.sin(i * 12.9898) + spot(7, 1) + spot(17, -1);
    });
    write('hmi-m-no-bunit.fits', writeFits({ data, width, height, header: new FitsHeader().with('TELESCOP', 'SDO/HMI') }));
    const { code, stdout, stderr } = enhance(['run', 'hmi-m-no-bunit.fits', '-o', 'hmi-m-x2.fits', '--model', blosModel, '--json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'blos', scale: 1000, outputSize: [48, 40] });
    expect(stderr).toMatch(
      /^enhance: warning: hmi-m-no-bunit\.fits: the header does not tell the kind .*'blos' from the data \(signed values roughly symmetric about 0: /m,
    );

    // Forced to intensity, the magnetogram would be divided by a "quiet-Sun level": one line says so.
    const forced = enhance([
      'run',
      'hmi-m-no-bunit.fits',
      '-o',
      'hmi-m-as-ic.fits',
      '--model',
      intensityModel,
      '--kind',
      'intensity',
      '--json',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    const kindLines = forced.stderr.split('\n').filter((line) => line.includes('--kind'));
    expect(kindLines).toEqual([
      expect.stringMatching(
        /^enhance: warning: hmi-m-no-bunit\.fits: the data look like 'blos' \(signed values .*\) but --kind intensity was given; using intensity$/,
      ),
    ]);
  });

  it('warns when --kind contradicts the header, and when a continuum image is run as blos', () => {
    write('ic-gauss.fits', writeFits(intensityImage(8, 8, 'Gauss')));
    const header = enhance(['run', 'ic-gauss.fits', '-o', 'ic-gauss-x2.fits', '--model', intensityModel, '--kind', 'intensity']);
    expect(header.code, header.stderr).toBe(0);
    expect(header.stderr).toMatch(
      /^enhance: warning: ic-gauss\.fits: the header describes a 'blos' image \(BUNIT = 'Gauss'\) but --kind intensity was given; using intensity$/m,
    );
    write('ic-plain.fits', writeFits({ ...intensityImage(8, 8), header: new FitsHeader() }));
    const data = enhance(['run', 'ic-plain.fits', '-o', 'ic-plain-x2.fits', '--model', blosModel, '--kind', 'blos']);
    expect(data.code, data.stderr).toBe(0);
    expect(data.stderr).toMatch(
      /^enhance: warning: ic-plain\.fits: the data look like 'intensity' \(positive values around a level: .*\) but --kind blos was given; using blos$/m,
    );
  });

  it('asks for --kind when neither the header nor the data tell', () => {
    const image = intensityImage(8, 8);
    write('negative.fits', writeFits({ ...image, data: image.data.map((v) => -v), header: new FitsHeader() }));
    const { code, stderr } = enhance(['run', 'negative.fits', '-o', 'out.fits', '--model', intensityModel]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(
      /^enhance: negative\.fits: cannot tell the kind: the header does not tell \(BUNIT = null, CONTENT = null\) and the data do not either \(values neither signed about 0 nor positive around a level: .*\); pass --kind intensity\|blos$/,
    );
    write('doppler.fits', writeFits(intensityImage(8, 8, 'km/s')));
    expect(enhance(['run', 'doppler.fits', '-o', 'out.fits', '--model', intensityModel]).stderr.trim()).toBe(
      "enhance: doppler.fits: cannot tell the kind: BUNIT = 'km/s', the unit of neither a magnetogram nor an intensity image; pass --kind intensity|blos",
    );
    expect(enhance(['run', 'doppler.fits', '-o', 'out.fits', '--model', intensityModel, '--kind', 'intensity']).code).toBe(0);
    rmSync(join(folder, 'out.fits'));
  });

  it('never overwrites an output without --force, and checks that before any work', () => {
    write('keep.fits', writeFits(intensityImage(8, 8)));
    const existing = write('existing.fits', new TextEncoder().encode('precious'));
    // The model does not exist: the output check must come first.
    const refused = enhance(['run', 'keep.fits', '-o', 'existing.fits', '--model', 'missing.onnx']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('enhance: existing.fits: already exists (use --force to overwrite)');
    expect(readFileSync(existing, 'utf8')).toBe('precious');
    const pngRefused = enhance(['run', 'keep.fits', '-o', 'new.fits', '--png', 'existing.fits', '--model', intensityModel]);
    expect(pngRefused.code).toBe(1);
    expect(existsSync(join(folder, 'new.fits'))).toBe(false);

    const forced = enhance(['run', 'keep.fits', '-o', 'existing.fits', '--model', intensityModel, '--force']);
    expect(forced.code).toBe(0);
    expect(readFits(readFileSync(existing)).width).toBe(16);
  });

  it('never writes over its input, even with --force', () => {
    const input = write('self.fits', writeFits(intensityImage(8, 8)));
    const before = readFileSync(input);
    const { code, stderr } = enhance(['run', 'self.fits', '-o', './self.fits', '--model', intensityModel, '--force']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('enhance: ./self.fits: is the input file: the input is never overwritten');
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('says that no trained model is installed instead of running anything else', () => {
    write('default.fits', writeFits(intensityImage(8, 8)));
    const { code, stderr } = enhance(['run', 'default.fits', '-o', 'out.fits']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `enhance: ${join(emptyModels(), 'enhance-intensity.onnx')}: no trained intensity model (full) is installed; give a model file (the 'model' option, or --model on the command line)`,
    );
    const lite = enhance(['run', 'default.fits', '-o', 'out.fits', '--lite']);
    expect(lite.stderr).toContain('enhance-intensity-lite.onnx: no trained intensity model (lite) is installed');
  });

  it('refuses an installed default model whose weights are untrained', () => {
    const models = join(folder, 'untrained-models');
    spawnSync('mkdir', [models]);
    writeFileSync(join(models, 'enhance-intensity-lite.onnx'), randomLiteModel('intensity', 5));
    write('default2.fits', writeFits(intensityImage(8, 8)));
    const { code, stderr } = enhance(['run', 'default2.fits', '-o', 'out.fits', '--lite'], { ENHANCE_MODELS_DIR: models });
    expect(code).toBe(1);
    expect(stderr).toMatch(/enhance-intensity-lite\.onnx: the installed model has untrained weights \(.*\); no trained model is installed/);
    expect(existsSync(join(folder, 'out.fits'))).toBe(false);
  });

  const good = () =>
    plainImageFile(
      -32,
      [6, 5],
      Array.from({ length: 30 }, (_, i) => 1000 + i),
      [card('BUNIT', quoted('DN/s'))],
    );
  const badInputs: [string, () => Uint8Array | undefined, RegExp][] = [
    ['not FITS', () => new TextEncoder().encode('just some text, not a FITS file at all'.repeat(100)), /not-fits\.fits: .*FITS/i],
    ['truncated', () => good().subarray(0, 2880 + 40), /truncated\.fits: .*(truncat|short|end)/i],
    ['no 2-D image', () => emptyPrimary(), /no-image\.fits: .*image/i],
    ['a cube', () => plainImageFile(-32, [4, 4, 3], new Array(48).fill(1), [card('BUNIT', quoted('DN/s'))]), /cube\.fits: .*NAXIS = 3/],
    [
      'unsupported compression',
      () =>
        concat([
          emptyPrimary(),
          compressedImageHdu({
            width: 6,
            height: 4,
            zbitpix: 32,
            stored: Array.from({ length: 24 }, (_, i) => i),
            compression: 'HCOMPRESS_1',
          }),
        ]),
      /hcompress\.fits: .*HCOMPRESS_1/,
    ],
    ['all NaN', () => plainImageFile(-32, [4, 4], new Array(16).fill(Number.NaN), [card('BUNIT', quoted('DN/s'))]), /all-nan\.fits: .*NaN/],
    ['smaller than 2×2', () => plainImageFile(-32, [5, 1], [1, 2, 3, 4, 5], [card('BUNIT', quoted('DN/s'))]), /tiny\.fits: .*5×1/],
    ['a missing file', () => undefined, /^enhance: missing\.fits: no such file$/],
    // Blank: the input's fault, said as such (it used to be reported against the model file).
    [
      'all zero',
      () => plainImageFile(-32, [6, 5], new Array(30).fill(0), [card('BUNIT', quoted('DN/s'))]),
      /^enhance: all-zero\.fits: every finite pixel \(30 of 30\) is 0: the image is blank, nothing to enhance/,
    ],
    // Finite, and fine divided by its quiet-Sun level, but so large that the network's float32 overflows:
    // an output of NaN/Infinity is an error, not a success.
    [
      'finite pixels the network overflows on',
      () =>
        plainImageFile(
          -32,
          [12, 10],
          Array.from({ length: 120 }, (_, i) => (i === 50 ? 3.4e38 : 1000 + (i % 17))),
          [card('BUNIT', quoted('DN/s'))],
        ),
      /^enhance: huge\.fits: the output has \d+ non-finite pixels \(NaN or infinite\) where the input is finite: the network overflows float32 on this image divided by 1\d{3}\.\d+$/,
    ],
  ];
  const names: Record<string, string> = {
    'not FITS': 'not-fits.fits',
    truncated: 'truncated.fits',
    'no 2-D image': 'no-image.fits',
    'a cube': 'cube.fits',
    'unsupported compression': 'hcompress.fits',
    'all NaN': 'all-nan.fits',
    'smaller than 2×2': 'tiny.fits',
    'a missing file': 'missing.fits',
    'all zero': 'all-zero.fits',
    'finite pixels the network overflows on': 'huge.fits',
  };

  it.each(badInputs)('rejects %s in one line, exit 1, no output', (label, bytes, message) => {
    const name = names[label];
    const content = bytes();
    if (content) write(name, content);
    const before = readdirSync(folder);
    const { code, stderr, stdout } = enhance(['run', name, '-o', 'bad-out.fits', '--model', intensityModel, '--png', 'bad.png']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    // The overflow is found after inference, by which time the test model's untrained weights were reported.
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !line.includes('untrained weights'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(lines[0], 'the input is at fault, not the model').not.toContain(intensityModel);
    expect(strayFiles(before)).toEqual([]);
    if (content) expect(readFileSync(join(folder, name)).equals(Buffer.from(content))).toBe(true);
  });

  it.each([
    [['--device', 'gpu'], `--device "gpu" is invalid: expected auto | cpu | cuda | webgpu`],
    [['--scale=-1'], '--scale "-1" is invalid: expected auto or a finite number > 0'],
    // A negative number after a numeric option is its value, not an option (parseArgs alone says "ambiguous").
    [['--scale', '-1'], '--scale "-1" is invalid: expected auto or a finite number > 0'],
    [['--threads', '-2'], '--threads "-2" is invalid: expected an integer ≥ 0'],
    [['--tile-size', '-64'], '--tile-size "-64" is invalid: expected an integer ≥ 3'],
    [['--max-memory', '-1e3'], '--max-memory "-1e3" is invalid: expected a number > 0'],
    // Other options keep parseArgs' explanation, its hint included, on one line.
    [
      ['--kind', '-x'],
      "Option '--kind' argument is ambiguous. Did you forget to specify the option argument for '--kind'? To specify an option argument starting with a dash use '--kind=-XYZ'.",
    ],
    // Scales that cannot work on this image are refused before the model is loaded, naming the input.
    [
      ['--scale', '1e-300'],
      "enhance: opts.fits: --scale 1e-300 is invalid: this image's largest |pixel| 51643 divided by 1.0000e-300 is 5.1643e+304, beyond float32 (3.4028e+38): the network's input would be infinite",
    ],
    [
      ['--scale', '1e39'],
      'enhance: opts.fits: --scale 1e+39 is invalid: the output, multiplied back by it, would overflow float32 (largest 3.4028e+38)',
    ],
    [['--scale', 'abc'], '--scale "abc" is invalid: expected auto or a finite number > 0'],
    [['--scale', '0'], '--scale "0" is invalid: expected auto or a finite number > 0'],
    [['--kind', 'doppler'], '--kind "doppler" is invalid: expected intensity | blos'],
    [['--threads', 'two'], '--threads "two" is invalid: expected an integer ≥ 0'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects the option values %j with exit 2', (extra, message) => {
    write('opts.fits', writeFits(intensityImage(8, 8)));
    const before = readdirSync(folder);
    const { code, stderr } = enhance(['run', 'opts.fits', '-o', 'opts-out.fits', '--model', intensityModel, ...extra]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(strayFiles(before)).toEqual([]);
  });

  it('reports a model file that is not a model', () => {
    write('m.fits', writeFits(intensityImage(8, 8)));
    const { code, stderr } = enhance(['run', 'm.fits', '-o', 'm-out.fits', '--model', 'not-a-model.onnx']);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^enhance: not-a-model\.onnx: not an ONNX model \(5 bytes\)/);
  });

  it.skipIf(cudaProviderInstalled())('says why --device cuda cannot run on a CPU-only install, in one line, exit 1', () => {
    write('cuda.fits', writeFits(intensityImage(8, 8)));
    const { code, stderr } = enhance(['run', 'cuda.fits', '-o', 'cuda-out.fits', '--model', intensityModel, '--device', 'cuda']);
    expect(code).toBe(1);
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !line.includes('untrained weights'));
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`enhance: ${intensityModel}: no device could run the model: [cuda] `), lines[0]).toBe(true);
    expect(existsSync(join(folder, 'cuda-out.fits'))).toBe(false);
  });

  it('checks the output folder before loading the model: missing, not a folder, not writable', () => {
    write('n.fits', writeFits(intensityImage(8, 8)));
    write('a-file', new Uint8Array(0));
    const readOnly = join(folder, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    // Permission bits do not bind root; there sysfs, which refuses new files to everyone, stands in.
    const unwritable = process.getuid?.() === 0 ? '/sys' : 'read-only';
    const cases: [string, string][] = [
      ['nowhere/out.fits', 'enhance: nowhere/out.fits: folder nowhere does not exist'],
      ['a-file/out.fits', 'enhance: a-file/out.fits: a-file is not a folder'],
      ['a-file/sub/out.fits', 'enhance: a-file/sub/out.fits: folder a-file/sub does not exist (part of its path is a file)'],
      [`${unwritable}/out.fits`, `enhance: ${unwritable}/out.fits: folder ${unwritable} is not writable (EACCES)`],
    ];
    for (const [output, message] of cases) {
      // The model does not exist: the folder is checked first, so the run costs nothing.
      const { code, stderr } = enhance(['run', 'n.fits', '-o', output, '--model', 'missing.onnx']);
      expect(code, output).toBe(1);
      expect(stderr.trim()).toBe(message);
    }
    const png = enhance(['run', 'n.fits', '-o', 'n-x2.fits', '--png', `${unwritable}/n.png`, '--model', intensityModel]);
    expect(png.stderr.trim()).toBe(`enhance: ${unwritable}/n.png: folder ${unwritable} is not writable (EACCES)`);
    expect(existsSync(join(folder, 'n-x2.fits'))).toBe(false);
    chmodSync(readOnly, 0o755);
    expect(readdirSync(readOnly)).toEqual([]);
  });

  it('lets exactly one of several concurrent runs write the same new output; the others exit 1 and write nothing', async () => {
    // Different inputs, so the output tells whose it is (HISTORY names the input file).
    const inputs = ['race-a.fits', 'race-b.fits', 'race-c.fits'];
    for (const [index, name] of inputs.entries()) {
      const image = intensityImage(256, 256);
      write(name, writeFits({ ...image, data: image.data.map((v) => v * (1 + index / 10)) }));
    }
    const before = readdirSync(folder);
    // Started together, all pass the check at the start; only the hard link at the end can decide.
    const runs = inputs.map((input) =>
      enhanceInBackground(['run', input, '-o', 'race-x2.fits', '--model', intensityModel, '--png', 'race.png', '--json']),
    );
    const results = await Promise.all(runs.map((run) => run.done));
    const winners = results.flatMap((result, index) => (result.code === 0 ? [index] : []));
    expect(winners, results.map((result) => result.stderr).join('\n')).toHaveLength(1);
    for (const result of results.filter((_, index) => index !== winners[0])) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(
        result.stderr
          .trim()
          .split('\n')
          .filter((line) => !line.includes('untrained weights')),
      ).toEqual([expect.stringMatching(/^enhance: race-(x2\.fits|\.png): already exists/)]);
    }
    const output = readFits(readFileSync(join(folder, 'race-x2.fits')), { file: 'race-x2.fits' });
    expect([output.width, output.height]).toEqual([512, 512]);
    const history = output.header.cards
      .filter((c) => c.key === 'HISTORY')
      .map((c) => String(c.value ?? ''))
      .join(' ');
    expect(history).toContain(`from ${inputs[winners[0]]}`);
    expect(JSON.parse(results[winners[0]].stdout)).toMatchObject({ input: inputs[winners[0]], output: 'race-x2.fits' });
    expect(strayFiles(before).sort()).toEqual(['race-x2.fits', 'race.png']);
  });

  it('on SIGINT or SIGTERM at any moment, removes its temporary files, leaves no partial output, exits 130/143', async () => {
    write('interrupt.fits', writeFits(intensityImage(256, 256)));
    const runInto = (outFolder: string) =>
      enhanceInBackground([
        'run',
        'interrupt.fits',
        '-o',
        join(outFolder, 'x2.fits'),
        '--png',
        join(outFolder, 'x2.png'),
        '--model',
        intensityModel,
        '--json',
      ]);
    // One run to the end: how long a run takes here, so the timed signals below fall all across it.
    const started = performance.now();
    const whole = await runInto(mkdtempSync(join(folder, 'interrupt-'))).done;
    expect(whole.code, whole.stderr).toBe(0);
    const runMs = performance.now() - started;

    // Timed signals (start-up, reading, model load, inference, writing, depending on the machine's speed);
    // signals the moment the output-folder probe appears (just after the output check, before the model);
    // and signals the moment an output's temporary file appears, while it is being written.
    type Trigger = { atFraction: number } | { on: 'probe' | 'temporary' };
    const triggers: Trigger[] = [
      ...[0.1, 0.4, 0.6, 0.8, 0.95].map((atFraction) => ({ atFraction })),
      ...(['probe', 'probe', 'temporary', 'temporary', 'temporary'] as const).map((on) => ({ on })),
    ];
    const interruptedWhileWriting: NodeJS.Signals[] = [];
    const interrupt = async (trigger: Trigger, signal: NodeJS.Signals) => {
      const outFolder = mkdtempSync(join(folder, 'interrupt-'));
      const run = runInto(outFolder);
      let sent = false;
      const send = () => {
        if (!sent) run.child.kill(signal);
        sent = true;
      };
      const watcher = watch(outFolder, (_event, name) => {
        if (!('on' in trigger) || !name?.endsWith('.tmp')) return;
        if (trigger.on === 'probe' ? name.startsWith('.enhance-write-probe.') : name.startsWith('.x2.')) send();
      });
      const timer = 'atFraction' in trigger ? setTimeout(send, trigger.atFraction * runMs) : undefined;
      const result = await run.done;
      clearTimeout(timer);
      watcher.close();
      const left = readdirSync(outFolder).sort();
      const label = `${signal} ${JSON.stringify(trigger)}: exit ${result.code} ${result.signal ?? ''} ${result.stderr}`;
      const bothWhole = () => {
        expect(left, label).toEqual(['x2.fits', 'x2.png']);
        expect(readFits(readFileSync(join(outFolder, 'x2.fits'))).width, label).toBe(512);
      };
      if (result.code === 0) {
        // Finished before the signal: both outputs whole.
        bothWhole();
      } else if (result.code === null) {
        // Killed by the signal while the CLI was not listening: before the run started (nothing written)
        // or after it had finished (both outputs whole, the process ending) — never a partial set.
        expect(result.signal, label).toBe(signal);
        if (left.length > 0) bothWhole();
      } else {
        expect(left, label).toEqual([]);
        expect(result.code, label).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(result.stderr.trim().split('\n').pop(), label).toBe(`enhance: interrupted by ${signal}; unfinished files removed`);
        if ('on' in trigger && trigger.on === 'temporary') interruptedWhileWriting.push(signal);
      }
    };
    for (const [index, trigger] of triggers.entries()) await interrupt(trigger, index % 2 === 0 ? 'SIGTERM' : 'SIGINT');
    // On a loaded machine a write can finish before the signal lands: try again, a bounded number of
    // times, with the signal that has not yet hit a run mid-write.
    for (let extra = 0; extra < 6; extra++) {
      const missing = (['SIGINT', 'SIGTERM'] as const).find((signal) => !interruptedWhileWriting.includes(signal));
      if (!missing) break;
      await interrupt({ on: 'temporary' }, missing);
    }
    // The point of the temporary-file triggers: runs interrupted mid-write, by both signals.
    expect(new Set(interruptedWhileWriting)).toEqual(new Set(['SIGINT', 'SIGTERM']));
  }, 180_000);
});

describe('enhance info, --help, --version', () => {
  it('describes a model', () => {
    const { code, stdout } = enhance(['info', blosModel, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'blos', source: blosModel });
    const text = enhance(['info', blosModel]);
    expect(text.stdout).toMatch(/^kind\s+blos$/m);
  });

  it('prints help and version, and rejects unknown commands with exit 2', () => {
    const help = enhance(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+run\s+enhance a FITS image/m);
    expect(help.stdout).toMatch(/^\s+info\s+/m);
    const version = enhance(['--version']);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL('../packages/runtime-node/package.json', import.meta.url), 'utf8')).version,
    );
    const unknown = enhance(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      'enhance: unknown command "frobnicate": expected one of run, info, batch, submit, worker, status, convert, export-keras (see enhance --help)',
    );
  });
});

describe('enhance convert and export-keras (the graph-builder commands)', () => {
  it('exports a model as Keras weights and converts them back to the same weights', async () => {
    const { loadEnhanceWeights } = await import('@enhance/graph-builder');
    const kerasDir = join(folder, 'keras-export');
    const exported = enhance(['export-keras', blosModel, '-o', kerasDir]);
    expect(exported.code, exported.stderr).toBe(0);
    const files = readdirSync(kerasDir).sort();
    expect(files).toEqual(['blos_model.json', 'blos_weights.hdf5']);
    const back = join(folder, 'blos-back.onnx');
    const converted = enhance([
      'convert',
      '--keras',
      join(kerasDir, 'blos_weights.hdf5'),
      '--model-json',
      join(kerasDir, 'blos_model.json'),
      '-o',
      back,
    ]);
    expect(converted.code, converted.stderr).toBe(0);
    const original = loadEnhanceWeights(readFileSync(blosModel)).weights;
    const roundTrip = loadEnhanceWeights(readFileSync(back)).weights;
    expect(Object.keys(roundTrip).sort()).toEqual(Object.keys(original).sort());
    for (const [name, tensor] of Object.entries(original)) expect(Array.from(roundTrip[name]), name).toEqual(Array.from(tensor));
  });

  it('rejects a convert command line without an input with exit 2 and writes nothing', () => {
    const out = join(folder, 'never.onnx');
    const result = enhance(['convert', '-o', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^enhance: .*--keras/);
    expect(existsSync(out)).toBe(false);
  });
});
