import type { ConcreteDevice } from '../devices/index.js';
import type { FitsHeader } from '../fits/index.js';
import { superResolvedHeader } from '../image/index.js';
import type { SolarImage } from '../image/index.js';
import { SCALE_FACTOR } from '../kinds.js';
import type { EnhanceResult, PlainImage } from './enhancer.js';
import type { QualityCheckOutcome } from './lazy-quality-check.js';
import type { NetworkInput } from './prepare-network-input.js';
import { qualityHistory } from './quality-check.js';
import type { TtaOption } from './test-time-augmentation.js';
import type { TiledOutput } from './run-tiles.js';

const RESIDUAL_HISTORY = 'quality check residual: the enhanced image degraded again (HMI PSF, 2x2 mean) minus this image';

export interface EnhanceRunRecord {
  readonly device: ConcreteDevice;
  readonly tta: TtaOption;
  readonly checked: QualityCheckOutcome | undefined;
  readonly timeMs: number;
  /** The output header's first HISTORY lines: the network and the model file. */
  readonly modelHistory: readonly string[];
  /** Its last: the caller's (the CLI names itself and the input). */
  readonly history: readonly string[];
}

/**
 * The result of a run: the output (and spread and residual maps) as images with headers when the input
 * has one, the header's HISTORY saying how the image was made.
 */
export function enhanceResult(input: NetworkInput, tiled: TiledOutput, record: EnhanceRunRecord): EnhanceResult<PlainImage | SolarImage> {
  const { width, height, header } = input;
  const { device, checked } = record;
  const outWidth = width * SCALE_FACTOR;
  const outHeight = height * SCALE_FACTOR;
  const plane = (data: Float32Array, w: number, h: number, planeHeader: FitsHeader | undefined) =>
    planeHeader ? { data, width: w, height: h, header: planeHeader } : { data, width: w, height: h };
  const outputHeader =
    header &&
    superResolvedHeader(header, SCALE_FACTOR, [
      ...record.modelHistory,
      ...qualityHistory({ device, scale: input.scale, limbOutcome: input.limbOutcome, tta: input.transforms.length, qa: checked?.summary }),
      ...record.history,
    ]);
  return {
    image: plane(tiled.output, outWidth, outHeight, outputHeader),
    device,
    scale: input.reportedScale,
    tiles: tiled.tiles,
    tilesSkipped: tiled.tilesSkipped,
    timeMs: record.timeMs,
    tta: record.tta,
    limbNormalisation: input.limbOutcome,
    ...(checked
      ? { qa: { residual: plane(checked.residual, width, height, header?.withHistory(RESIDUAL_HISTORY)), summary: checked.summary } }
      : {}),
    ...(tiled.spread ? { spread: plane(tiled.spread, outWidth, outHeight, outputHeader) } : {}),
  };
}
