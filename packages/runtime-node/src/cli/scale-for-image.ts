import { EnhanceError, normalisationScale } from '@enhance/core';
import type { EnhanceKind, EnhancerError, FitsHeader, ScaleOption } from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';
import { defaultScaleForHeader } from './default-scale-for-header.js';

/**
 * The scale option to give the enhancer, checked against the image before any model is loaded: a blank
 * image, or a --scale that would overflow float32 on it, is refused at once and named by the input file
 * (not by the model). 'auto' stays 'auto': the enhancer decides what it means (a limb profile, say).
 */
export function scaleForImage(
  inputPath: string,
  image: { data: Float32Array; header: FitsHeader },
  kind: EnhanceKind,
  scale: ScaleOption,
): ScaleOption {
  const option = scale === 'auto' ? defaultScaleForHeader(image.header, kind) : scale;
  try {
    normalisationScale(kind, image.data, option, inputPath);
    return option;
  } catch (error) {
    const reason = EnhanceError.isInstance(error) && error.code === 'OPTION_INVALID' ? (error as EnhancerError).details.reason : undefined;
    if (typeof reason === 'string') throw new CliUsageError({ file: inputPath, message: `--scale ${option} is invalid: ${reason}` });
    throw error;
  }
}
