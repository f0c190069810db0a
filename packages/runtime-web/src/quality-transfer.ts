import type { EnhanceResult, PlainImage, QualityOptions, QualityResult, SolarImage } from '@enhance/core';
import { fromTransferredImage, toTransferredImage } from './worker-protocol.js';
import type { TransferredImage } from './worker-protocol.js';

/** A run's quality results as they cross the worker boundary: the images as transferred images, the rest as is. */
export interface TransferredQuality {
  tta: QualityResult<PlainImage>['tta'];
  limbNormalisation: QualityResult<PlainImage>['limbNormalisation'];
  qa?: { residual: TransferredImage; summary: NonNullable<QualityResult<PlainImage>['qa']>['summary'] };
  spread?: TransferredImage;
}

/** The quality options a run message carries (all plain values). */
export function qualityOptionsOf(options: QualityOptions): QualityOptions {
  const { qa, tta, limbNormalisation } = options;
  return {
    ...(qa !== undefined ? { qa } : {}),
    ...(tta !== undefined ? { tta } : {}),
    ...(limbNormalisation !== undefined ? { limbNormalisation } : {}),
  };
}

/** The quality part of a result, and the pixel buffers to transfer with it. */
export function toTransferredQuality(result: EnhanceResult<PlainImage | SolarImage>): {
  quality: TransferredQuality;
  transfer: ArrayBuffer[];
} {
  const quality: TransferredQuality = { tta: result.tta, limbNormalisation: result.limbNormalisation };
  const transfer: ArrayBuffer[] = [];
  if (result.qa) {
    quality.qa = { residual: toTransferredImage(result.qa.residual), summary: result.qa.summary };
    transfer.push(quality.qa.residual.data.buffer as ArrayBuffer);
  }
  if (result.spread) {
    quality.spread = toTransferredImage(result.spread);
    transfer.push(quality.spread.data.buffer as ArrayBuffer);
  }
  return { quality, transfer };
}

export function fromTransferredQuality(quality: TransferredQuality): QualityResult<PlainImage | SolarImage> {
  return {
    tta: quality.tta,
    limbNormalisation: quality.limbNormalisation,
    ...(quality.qa ? { qa: { residual: fromTransferredImage(quality.qa.residual), summary: quality.qa.summary } } : {}),
    ...(quality.spread ? { spread: fromTransferredImage(quality.spread) } : {}),
  };
}
