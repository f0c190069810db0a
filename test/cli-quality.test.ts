import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitsHeader, listHdus, readFits, writeFits } from '@enhance/core';
import { createEnhancer } from '@enhance/runtime-node';
import { bundleCli } from './cli-support/bundle-cli.js';
import { randomLiteModel } from './cli-support/random-model.js';
import { fitsverifyReport, hasFitsverify, limbDarkenedDisk, writeQaModelsFolder } from '@enhance/test-support';

// enhance run --qa / --tta / --limb-normalisation: the extra HDUs, the JSON summary, the warning line.

let cli: string;
let folder: string;
let model: string;
const modelBytes = randomLiteModel('intensity', 3);

/** A models folder with the quality check's model and, optionally, a reference for the test model. */
function modelsFolder(name: string, reference?: number): string {
  return writeQaModelsFolder(join(folder, name), modelBytes, reference);
}

function enhance(args: string[], modelsDir: string) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, ENHANCE_MODELS_DIR: modelsDir },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A helioprojective continuum image in DN/s with a NaN corner. */
function intensityFile(path: string, width = 40, height = 30): void {
  const data = Float32Array.from({ length: width * height }, (_, i) => 50_000 * (1 + 0.04 * Math.sin(i * 0.9) * Math.cos(i * 0.31)));
  data[0] = Number.NaN;
  const header = new FitsHeader([
    { key: 'BUNIT', value: 'DN/s' },
    { key: 'DATE-OBS', value: '2014-01-31T02:48:00.00' },
    { key: 'TELESCOP', value: 'SDO/HMI' },
    { key: 'CTYPE1', value: 'HPLN-TAN' },
    { key: 'CTYPE2', value: 'HPLT-TAN' },
    { key: 'CUNIT1', value: 'arcsec' },
    { key: 'CUNIT2', value: 'arcsec' },
    { key: 'CRPIX1', value: 20 },
    { key: 'CRPIX2', value: 15 },
    { key: 'CRVAL1', value: 100 },
    { key: 'CRVAL2', value: -50 },
    { key: 'CDELT1', value: 0.504 },
    { key: 'CDELT2', value: 0.504 },
    { key: 'DSUN_OBS', value: 1.47e11 },
    { key: 'HGLN_OBS', value: 0 },
    { key: 'HGLT_OBS', value: -6.1 },
  ]);
  writeFileSync(path, writeFits({ data, width, height, header }));
}

beforeAll(async () => {
  cli = await bundleCli('enhance-quality');
  folder = mkdtempSync(join(tmpdir(), 'enhance-cli-quality-'));
  model = join(folder, 'random.onnx');
  writeFileSync(model, modelBytes);
  intensityFile(join(folder, 'in.fits'));
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('enhance run --qa --tta', () => {
  it('writes RESIDUAL (input grid) and SPREAD (output grid) HDUs with EXTNAME, BUNIT and WCS, and summarises them in --json', async () => {
    const modelsDir = modelsFolder('models-plain');
    const { code, stdout, stderr } = enhance(
      ['run', 'in.fits', '-o', 'out.fits', '--model', model, '--qa', '--tta', '4', '--json'],
      modelsDir,
    );
    // The only warning: the test model's untrained weights.
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/untrained weights/)]);
    expect(code).toBe(0);
    const bytes = new Uint8Array(readFileSync(join(folder, 'out.fits')));
    const hdus = listHdus(bytes);
    expect(hdus.map((h) => [h.kind, h.header.getString('EXTNAME') ?? null, h.imageShape])).toEqual([
      ['primary', null, [80, 60]],
      ['image', 'RESIDUAL', [40, 30]],
      ['image', 'SPREAD', [80, 60]],
    ]);
    for (const hdu of hdus.slice(1)) {
      expect(hdu.header.getString('BUNIT')).toBe('DN/s');
      expect(hdu.header.getString('CTYPE1')).toBe('HPLN-TAN');
      expect(hdu.header.getString('DATE-OBS')).toBe('2014-01-31T02:48:00.00');
    }
    // Each grid keeps its own reference pixel: CRPIX' = 2 CRPIX − 0.5 on the output grid.
    expect([hdus[1].header.getNumber('CRPIX1'), hdus[1].header.getNumber('CDELT1')]).toEqual([20, 0.504]);
    expect([hdus[2].header.getNumber('CRPIX1'), hdus[2].header.getNumber('CDELT1')]).toEqual([39.5, 0.252]);
    if (hasFitsverify) expect(fitsverifyReport(bytes, 'out.fits')).toBe('');

    const summary = JSON.parse(stdout);
    expect(summary.tta).toBe(4);
    expect(summary.spread).toEqual({ hdu: 'SPREAD' });
    expect(summary.qa.hdu).toBe('RESIDUAL');
    expect(summary.qa.reference).toBeNull();
    expect(summary.limbNormalisation.applied).toBe(false);
    expect(summary.limbNormalisation.reason).toBe("limbNormalisation is 'off'");

    // The same numbers as the API gives for the same image and model.
    const image = readFits(new Uint8Array(readFileSync(join(folder, 'in.fits'))));
    const previous = process.env.ENHANCE_MODELS_DIR;
    process.env.ENHANCE_MODELS_DIR = modelsDir;
    const enhancer = await createEnhancer({ kind: 'intensity', model: modelBytes, device: 'cpu' });
    const direct = await enhancer.enhance(image, { qa: true, tta: 4 });
    await enhancer.dispose();
    if (previous === undefined) delete process.env.ENHANCE_MODELS_DIR;
    else process.env.ENHANCE_MODELS_DIR = previous;
    expect(summary.qa.relativeResidual).toBeCloseTo(direct.qa!.summary.relativeResidual, 6);
    expect(summary.qa.residualP99).toBeCloseTo(direct.qa!.summary.residualP99, 3);
    const residual = readFits(bytes, { hdu: 1 });
    const spread = readFits(bytes, { hdu: 2 });
    for (let i = 0; i < residual.data.length; i++) expect(Object.is(residual.data[i], direct.qa!.residual.data[i])).toBe(true);
    for (let i = 0; i < spread.data.length; i++) expect(Object.is(spread.data[i], direct.spread!.data[i])).toBe(true);
    expect(residual.data[0]).toBeNaN();
  });

  it('warns in one line when the residual exceeds the shipped reference for the model', () => {
    const { code, stderr } = enhance(
      ['run', 'in.fits', '-o', 'warned.fits', '--model', model, '--qa'],
      modelsFolder('models-reference', 1e-9),
    );
    expect(code).toBe(0);
    const lines = stderr.split('\n').filter((line) => line.includes('quality check'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^enhance: warning: \S*in\.fits: quality check: the output degraded again differs from the input by \d+\.\d\d% .* model card measured on real HMI data \(largest: real\.fits\)/,
    );
  });

  it('writes no extra HDU without --qa or --tta', () => {
    const { code } = enhance(['run', 'in.fits', '-o', 'plain.fits', '--model', model], modelsFolder('models-none'));
    expect(code).toBe(0);
    expect(listHdus(new Uint8Array(readFileSync(join(folder, 'plain.fits'))))).toHaveLength(1);
  });

  it.each([
    [['--tta', '2'], '--tta "2" is invalid: expected 1 | 4 | 8'],
    [['--tta', '4.0'], '--tta "4.0" is invalid: expected 1 | 4 | 8'],
    [['--limb-normalisation', 'maybe'], '--limb-normalisation "maybe" is invalid: expected auto | on | off'],
  ])('refuses %j with exit 2 before any work', (extra, message) => {
    const { code, stderr } = enhance(
      ['run', 'in.fits', '-o', 'refused.fits', '--model', model, ...extra],
      modelsFolder(`models-${extra.join('')}`),
    );
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('divides a disk placed by its header by its own centre-to-limb profile with --limb-normalisation auto', () => {
    const disk = limbDarkenedDisk({
      level: 60_000,
      cards: [
        { key: 'BUNIT', value: 'DN/s' },
        { key: 'CROTA2', value: 0 },
      ],
    });
    const { radius } = disk;
    writeFileSync(join(folder, 'disk.fits'), writeFits(disk));
    const { code, stdout } = enhance(
      ['run', 'disk.fits', '-o', 'disk-out.fits', '--model', model, '--limb-normalisation', 'auto', '--json'],
      modelsFolder('models-disk'),
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.limbNormalisation.applied).toBe(true);
    expect(summary.limbNormalisation.disk.radius).toBeCloseTo(radius, 6);
    expect(summary.limbNormalisation.centreLevel / 60_000).toBeCloseTo(1, 1);
    const history = readFits(new Uint8Array(readFileSync(join(folder, 'disk-out.fits'))))
      .header.history()
      .join(' ');
    expect(history).toMatch(/input divided by its centre-to-limb profile I\(mu\)/);
  });

  it('says why --limb-normalisation on cannot apply to an image the header does not place on the disk', () => {
    const { code, stderr } = enhance(
      ['run', 'in.fits', '-o', 'limb.fits', '--model', model, '--limb-normalisation', 'on'],
      modelsFolder('models-limb'),
    );
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/option limbNormalisation = 'on' cannot be applied: the header does not place the solar disk: no solar radius/);
  });
});
