import { parse, View, type Config, type Spec } from 'vega';

/**
 * Type sizes and colours shared by every figure. The background is opaque white so that black labels stay
 * legible where a page (GitHub in dark mode) shows the SVG on a dark background.
 */
export const FIGURE_CONFIG: Config = Object.freeze({
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 15, fontWeight: 'bold', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', tickColor: '#555', domainColor: '#555' },
  legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', labelLimit: 400 },
}) as Config;

/**
 * Renders a Vega specification to SVG text in Node without a browser or canvas: `renderer: 'none'` lays
 * the scene out with Vega's own text-width estimate, and the SVG names its fonts for the viewer to draw,
 * so nothing here depends on fonts installed on this machine.
 */
export async function renderSvg(spec: Spec): Promise<string> {
  const view = new View(parse(spec, FIGURE_CONFIG), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
