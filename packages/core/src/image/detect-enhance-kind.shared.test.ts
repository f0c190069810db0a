import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFits } from '../fits/index.js';
import { detectEnhanceKind } from './detect-enhance-kind.js';

const hmiDir = fileURLToPath(new URL('../../../../../shared/data/hmi/', import.meta.url));

// The kinds as ../shared/README.md describes the files (magnetograms in G, continuum images), not as
// the rule under test would guess them.
const KNOWN: Record<string, 'intensity' | 'blos'> = {
  'hmi_blos_720s_20100830_173600_256x256.fits': 'blos',
  'hmi_blos_720s_20101027_222400_256x256.fits': 'blos',
  'hmi_blos_ar_200x200_gauss.fits': 'blos',
  'hmi_ic45s_ar_200x200.fits': 'intensity',
  'hmi_ic_near_limb_400x500.fits': 'intensity',
};

describe('detectEnhanceKind on the real HMI files in ../shared', () => {
  const names = readdirSync(hmiDir).filter((name) => name.endsWith('.fits'));

  it.each(names)('%s', (name) => {
    const image = readFits(new Uint8Array(readFileSync(hmiDir + name)), { file: name });
    const detection = detectEnhanceKind(image, { fileName: name });
    const expected = KNOWN[name] ?? (name.includes('.continuum.') ? 'intensity' : undefined);
    expect(expected, `${name} has no known kind`).toBeDefined();
    expect(detection.kind, detection.reason).toBe(expected);
    // The cut-outs carry no BUNIT: they are the plain FITS files a user meets, decided from the data.
    if (name in KNOWN) expect(detection.decidedBy).toBe('data');
    else expect(detection).toMatchObject({ decidedBy: 'header', reason: "BUNIT = 'DN/s'" });
  });
});
