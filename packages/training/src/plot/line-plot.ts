import type { Axis, Scale, Spec } from 'vega';
import { logAxis, logTickLabel } from './log-axis.js';
import { renderSvg } from './render-svg.js';

export interface LineSeries {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** A CSS colour; default: the next of PLOT_COLORS. */
  readonly color?: string;
}

export interface LinePlotOptions {
  readonly series: readonly LineSeries[];
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** 'log': see logAxis for the domain and ticks. */
  readonly yScale?: 'linear' | 'log';
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  /** A d3-format specifier for the x tick labels, e.g. '~s' for 2M. */
  readonly xFormat?: string;
  /** Size of the plotting area in pixels (default 640 × 400). */
  readonly width?: number;
  readonly height?: number;
  /** Vertical dashed lines, e.g. the band a statistic was computed over. */
  readonly markers?: readonly number[];
}

export const PLOT_COLORS = Object.freeze({
  black: '#000000',
  red: '#d62728',
  blue: '#1f77b4',
  orange: '#ff7f0e',
  green: '#2ca02c',
  purple: '#9467bd',
  gray: '#969696',
});

const DEFAULT_COLORS = [PLOT_COLORS.black, PLOT_COLORS.red, PLOT_COLORS.blue, PLOT_COLORS.orange, PLOT_COLORS.green, PLOT_COLORS.purple];

function extent(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  return [low, high];
}

/** The Vega specification of a line plot: axes with titles, a legend of the series, optional dashed markers. */
export function linePlotSpec(options: LinePlotOptions): Spec {
  const { series, title, xLabel, yLabel, yScale = 'linear', width = 640, height = 400, markers = [], xFormat } = options;
  const points = series
    .flatMap((s) => Array.from({ length: s.x.length }, (_, i) => ({ series: s.label, x: s.x[i], y: s.y[i] })))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (yScale === 'linear' || p.y > 0));
  const xDomain = options.xRange ? ([...options.xRange] as [number, number]) : extent(points.map((p) => p.x));
  const visible = points.filter((p) => p.x >= xDomain[0] && p.x <= xDomain[1]).map((p) => p.y);
  const yData = options.yRange ? ([...options.yRange] as [number, number]) : extent(visible);
  const log = yScale === 'log' ? logAxis(yData[0], yData[1]) : undefined;
  const yDomain = log ? [...log.domain] : yData;
  const colors = series.map((s, i) => s.color ?? DEFAULT_COLORS[i % DEFAULT_COLORS.length]);

  const scales: Scale[] = [
    { name: 'x', type: 'linear', domain: xDomain, range: 'width', zero: false, nice: options.xRange === undefined },
    log
      ? { name: 'y', type: 'log', domain: yDomain, range: 'height' }
      : { name: 'y', type: 'linear', domain: yDomain, range: 'height', zero: false, nice: options.yRange === undefined },
    { name: 'color', type: 'ordinal', domain: series.map((s) => s.label), range: colors },
  ];
  const axes: Axis[] = [
    { orient: 'bottom', scale: 'x', title: xLabel, grid: true, gridColor: '#e6e6e6', ...(xFormat ? { format: xFormat } : {}) },
  ];
  if (log) {
    const { major, minor } = log;
    // Vega formats with d3-format, which has no 10ⁿ: each major tick looks its label up by value.
    const label = `${JSON.stringify(major.map(logTickLabel))}[indexof(${JSON.stringify(major)}, datum.value)]`;
    axes.push(
      {
        orient: 'left',
        scale: 'y',
        title: yLabel,
        values: [...major],
        grid: true,
        gridColor: '#e6e6e6',
        encode: { labels: { update: { text: { signal: label } } } },
      },
      { orient: 'left', scale: 'y', values: [...minor], labels: false, domain: false, tickSize: 3, aria: false },
    );
  } else {
    axes.push({ orient: 'left', scale: 'y', title: yLabel, grid: true, gridColor: '#e6e6e6' });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width,
    height,
    padding: 8,
    ...(title ? { title: { text: title } } : {}),
    data: [
      { name: 'points', values: points },
      { name: 'markers', values: markers.map((x) => ({ x })) },
    ],
    scales,
    axes,
    legends: [
      {
        stroke: 'color',
        orient: 'top-right',
        symbolType: 'stroke',
        symbolStrokeWidth: 3,
        fillColor: 'rgba(255,255,255,0.85)',
        strokeColor: '#ccc',
        padding: 6,
      },
    ],
    marks: [
      {
        type: 'rule',
        from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { value: 0 },
            y2: { signal: 'height' },
            stroke: { value: PLOT_COLORS.gray },
            strokeDash: { value: [6, 4] },
          },
        },
      },
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'points', groupby: 'series' } },
        encode: { enter: { width: { signal: 'width' }, height: { signal: 'height' } } },
        marks: [
          {
            type: 'line',
            from: { data: 'series' },
            clip: true,
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
              },
            },
          },
        ],
      },
    ],
  };
}

/** A line plot as SVG text. */
export function renderLinePlot(options: LinePlotOptions): Promise<string> {
  return renderSvg(linePlotSpec(options));
}
