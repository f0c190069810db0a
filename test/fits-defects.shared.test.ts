import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFuzzCli, runFuzzCli } from '@enhance/test-support';

// The files that broke the reader (../shared/data/fits-defects, found by fuzzing) are each refused now
// with an EnhanceError naming the file, the HDU and the edited card, read under the fuzzer's watchdog
// so that a hang fails the test instead of stalling it.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defectsDir = path.resolve(repoRoot, '../shared/data/fits-defects');

/** The card each file had edited (its README), which the error must name. */
const EDITED_CARD: Readonly<Record<string, string>> = {
  'hang_negative_datalength.fits': 'NAXIS1 = -2880',
  'hang_negative_gcount.fits': 'GCOUNT = -1',
  'hang_real_jsoc_pcount.fits': 'PCOUNT = -18464',
  'rangeerror_dataview_gcount0.fits': 'GCOUNT = 0',
  'rangeerror_dataview_pcount_negative.fits': 'PCOUNT = -10',
  'rangeerror_dataview_bintable_gcount_negative.fits': 'GCOUNT = -2880',
  'rangeerror_typedarray_znaxis_negative.fits': 'ZNAXIS2 = -1',
  'rangeerror_typedarray_znaxis_huge.fits': 'ZNAXIS1 × ZNAXIS2 = 100000 × 100000',
  'rangeerror_bigint_blank.fits': 'BLANK = 1.5',
  'badimage_negative_axes.fits': 'NAXIS1 = -4',
  'badimage_znaxis_zero.fits': 'ZNAXIS1 = 0',
  'silent_zeros_ztile_negative.fits': 'ZTILE2 = -1',
  'silent_zeros_ztile_nan.fits': 'ZTILE1 = nan',
  'silent_nan_zdither0_fraction.fits': 'ZDITHER0 = 1.5',
};

interface ReplaySummary {
  files: { file: string; outcome: string; defect: boolean; ms: number; message?: string }[];
  defects: number;
}

describe.skipIf(!existsSync(defectsDir))('the FITS defect reproducers in ../shared', () => {
  const names = existsSync(defectsDir)
    ? readdirSync(defectsDir)
        .filter((name) => name.endsWith('.fits'))
        .sort()
    : [];
  let summary: ReplaySummary;
  beforeAll(async () => {
    const script = await bundleFuzzCli('fits-defects');
    const replay = names.flatMap((name) => ['--replay', path.join(defectsDir, name)]);
    summary = runFuzzCli<ReplaySummary>(script, [...replay, '--timeout-ms', '2000'], 120_000).summary;
  });

  it('knows the card of every reproducer', () => {
    expect(names).toEqual(Object.keys(EDITED_CARD).sort());
  });

  for (const name of names) {
    it(`${name}: an EnhanceError naming the file, the HDU and ${EDITED_CARD[name]}, within a second`, () => {
      const result = summary.files.find((entry) => entry.file === name);
      expect(result?.outcome, result?.message).toMatch(/^enhance-error FITS_/);
      expect(result?.defect).toBe(false);
      expect(result?.ms).toBeLessThan(1000);
      expect(result?.message).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: HDU \\d+( \\([^)]*\\))?: `));
      expect(result?.message).toContain(EDITED_CARD[name]);
    });
  }
});
