import type { LimbResult, QualityEvaluation, TtaResult } from './evaluate-quality.js';

const percent = (v: number | undefined, digits = 2) => (v !== undefined && Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : '–');
const fixed = (v: number | undefined, digits: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '–');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);

/** The model card's section on the runtimes' quality options: every number from `evaluateQuality`. */
export function renderQualitySection(quality: QualityEvaluation): string[] {
  const lines: string[] = [];
  lines.push('## Quality check, test-time augmentation, limb normalisation', '');

  if (quality.qaReal.length > 0) {
    lines.push('### Quality check on real HMI data (`--qa`)', '');
    lines.push(
      'The output degraded again with the training PSF (models/hmi-redegrade.onnx: HMI PSF, 99% of its energy, then the 2×2 mean) and compared with the input, ' +
        'as `enhance run --qa` does it (runtime defaults). residual = mean |HMI(output) − input| / mean |input|; P99 = 99th percentile of |residual| in input units; ' +
        "σ = the input's noise estimated from its finest scales (an upper bound on sharp images); > 3σ = share of pixels whose |residual| exceeds 3σ. " +
        'The largest residual per model is written to models/qa-reference.json: the runtimes warn when an image exceeds it.',
      '',
    );
    lines.push(
      table(
        ['model', 'image', 'residual', 'P99', 'σ', '> 3σ', 'network (s)', 'check (s)'],
        quality.qaReal.map((r) => [
          `${r.kind} ${r.variant}`,
          r.image,
          percent(r.relativeResidual),
          r.residualP99.toPrecision(3),
          r.noiseSigma.toPrecision(3),
          percent(r.fractionAbove3Sigma, 1),
          fixed(r.networkSeconds, 2),
          fixed(r.qaSeconds, 2),
        ]),
      ),
      '',
    );
  }

  if (quality.tta.length > 0) {
    lines.push('### Test-time augmentation (`--tta 4|8`)', '');
    lines.push(
      'Each tile run under the flips (4) or the flips and quarter turns (8) the networks were trained with, outputs mapped back and averaged. ' +
        "Validation: relative RMS error against the 28 cm target on the held-out synthetic sets; beyond cutoff = share of the output's power beyond the 28 cm cutoff; " +
        "streaks = axis anisotropy of the added detail (1 = isotropic); spread = mean per-pixel standard deviation over the transforms / mean |output|; time = seconds of the enhancement alone (after a warm-up run; they follow the machine's load).",
      '',
    );
    const groups = [...new Set(quality.tta.map((t) => `${t.kind} ${t.variant}`))];
    for (const group of groups) {
      const own = quality.tta.filter((t) => `${t.kind} ${t.variant}` === group);
      lines.push(`**${group}**`, '');
      lines.push(
        table(
          ['image', 'tta', 'rel. RMS vs target', 'residual', 'beyond cutoff', 'streaks', 'spread', 'time (s)'],
          own.map((t) => [
            t.image,
            String(t.tta),
            fixed(t.relativeRmsError, 4),
            percent(t.relativeResidual),
            percent(t.beyondCutoff, 3),
            `${fixed(t.streakIndex, 2)}×`,
            percent(t.relativeSpread, 3),
            fixed(t.seconds, 2),
          ]),
        ),
        '',
      );
      lines.push(ttaSummary(own), '');
    }
  }

  if (quality.limb.length > 0) {
    lines.push('### Limb normalisation (full-disk and near-limb continuum)', '');
    if (quality.syntheticDisk) {
      const d = quality.syntheticDisk;
      lines.push(
        `Synthetic full disk: radius ${d.radiusPx} px at 0.504"/px (HMI's), Sunrise/IMaX granulation (never trained on) laid on the sphere — foreshortened towards the limb — ` +
          `times ${d.law}, degraded like the training pairs (input with the training noise, target 28 cm); windows: ${d.windows.join('; ')}. ` +
          `The plain quiet-Sun level of the whole frame is ${percent(d.plainLevelOverCentre, 1)} of disk centre. "full-frame" modes divide each window as a run on the whole frame would; "cut-out" modes run the strip alone through the runtime.`,
        '',
      );
    }
    if (quality.nearLimbGeometry) {
      const g = quality.nearLimbGeometry;
      lines.push(
        `hmi_ic_near_limb_400x500.fits has no world coordinates: its limb was fitted on the data (${g.points} limb points, circle radius ${g.radius.toFixed(1)} px, RMS ${g.rmsPx.toFixed(2)} px) and written into a helioprojective header.`,
        '',
      );
    }
    lines.push(
      "Per bin of μ (cos of the heliocentric angle), away from the windows' edges: error = RMS(output − target) / mean target (synthetic only); contrast = RMS of the output over the limb-darkening profile (target and input alike); " +
        "residual = the quality check's, per bin. Ringing = RMS(output − reference) within ±6 input px of the limb, over the disk-centre level (reference: the target, or for real data the bicubic ×2 input); " +
        "sky excess = mean(output − reference) 1–6 px outside the limb. Level = the divisor over the disk-centre level (plain) or the profile at the window's largest μ.",
      '',
    );
    const groups = [...new Set(quality.limb.map((l) => `${l.variant}|${l.image}`))];
    for (const group of groups) {
      const [variant, image] = group.split('|');
      const own = quality.limb.filter((l) => l.variant === variant && l.image === image);
      lines.push(`**intensity ${variant}: ${image}**`, '');
      const rows: string[][] = [];
      for (const l of own) {
        for (const b of l.bins) {
          rows.push([
            l.mode,
            `${b.mu[0]}–${Math.min(1, b.mu[1])}`,
            fixed(l.levelOverCentre, 3),
            fixed(b.relativeRmsError, 4),
            percent(b.contrast),
            percent(b.targetContrast),
            percent(b.inputContrast),
            percent(b.residual),
            fixed(l.limbRinging, 4),
            fixed(l.skyExcess, 4),
          ]);
        }
      }
      lines.push(
        table(['mode', 'μ', 'level', 'error', 'contrast', 'target contrast', 'input contrast', 'residual', 'ringing', 'sky excess'], rows),
        '',
      );
    }
    lines.push(limbSummary(quality.limb), '');
  }
  return lines;
}

/** One sentence per group: what TTA changed on average, and at what cost. */
function ttaSummary(results: readonly TtaResult[]): string {
  const counts = [...new Set(results.map((r) => r.tta))].sort((a, b) => a - b);
  const base = results.filter((r) => r.tta === 1);
  const parts = counts
    .filter((c) => c !== 1)
    .map((count) => {
      const withIt = results.filter((r) => r.tta === count);
      const pairs = withIt.map((r) => ({ r, b: base.find((x) => x.image === r.image) })).filter((p) => p.b);
      const errorChange = mean(
        pairs.filter((p) => p.r.relativeRmsError !== undefined).map((p) => p.r.relativeRmsError! / p.b!.relativeRmsError! - 1),
      );
      const residualChange = mean(
        pairs.filter((p) => p.r.relativeResidual !== undefined).map((p) => p.r.relativeResidual! - p.b!.relativeResidual!),
      );
      const cost = mean(pairs.map((p) => p.r.seconds / p.b!.seconds));
      return `tta ${count}: validation error ${errorChange >= 0 ? '+' : ''}${percent(errorChange, 1)} (mean relative change), real-data residual ${residualChange >= 0 ? '+' : ''}${percent(residualChange, 3)} (mean absolute change), ${fixed(cost, 1)}× the time`;
    });
  return `Against tta 1: ${parts.join('; ')}.`;
}

function limbSummary(results: readonly LimbResult[]): string {
  const rows = results.filter((r) => r.image.startsWith('synthetic') && r.mode.includes('full-frame'));
  const bins = [...new Set(rows.flatMap((r) => r.bins.map((b) => b.mu.join('–'))))];
  const parts = bins.map((bin) => {
    const error = (mode: string) =>
      mean(
        rows
          .filter((r) => r.mode.startsWith(mode))
          .flatMap((r) => r.bins.filter((b) => b.mu.join('–') === bin).map((b) => b.relativeRmsError ?? Number.NaN)),
      );
    return `μ ${bin.replace('1.0001', '1')}: error ${fixed(error('plain'), 4)} plain, ${fixed(error('limb'), 4)} limb`;
  });
  return parts.length > 0 ? `Synthetic full disk, mean over the networks: ${parts.join('; ')}.` : '';
}
