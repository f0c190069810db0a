import type { Document, Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { elements, parseSvg, texts, withClass } from './svg-document.test-helper.js';
import { PLOT_COLORS, renderLinePlot } from './line-plot.js';

const translateY = (e: Element) => Number(/translate\([^,]+,([^)]+)\)/.exec(e.getAttribute('transform') ?? '')?.[1]);

/** The axis group whose accessible label starts with `prefix` ('X-axis', 'Y-axis'). */
function axis(doc: Document, prefix: string): Element {
  const found = withClass(doc, 'g', 'role-axis').find((g) => g.getAttribute('aria-label')?.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} in the SVG`);
  return found;
}

describe('renderLinePlot', () => {
  it('writes an SVG with the title, both axis titles, tick labels and a legend naming every series in its colour', async () => {
    const doc = parseSvg(
      await renderLinePlot({
        title: 'two lines',
        xLabel: 'frequency (1/px)',
        yLabel: 'power',
        xRange: [0, 0.5],
        series: [
          { label: 'first', x: [0, 0.5], y: [1, 2] },
          { label: 'second', x: [0, 0.5], y: [2, 1], color: PLOT_COLORS.orange },
        ],
      }),
    );
    expect(doc.documentElement?.tagName).toBe('svg');
    const all = texts(doc.documentElement as Element);
    expect(all).toEqual(expect.arrayContaining(['two lines', 'frequency (1/px)', 'power']));
    const xLabels = texts(withClass(axis(doc, 'X-axis'), 'g', 'role-axis-label')[0]);
    expect(xLabels).toEqual(['0.00', '0.05', '0.10', '0.15', '0.20', '0.25', '0.30', '0.35', '0.40', '0.45', '0.50']);
    const legend = withClass(doc, 'g', 'role-legend')[0];
    expect(texts(legend)).toEqual(['first', 'second']);
    const symbols = withClass(legend, 'g', 'role-legend-symbol').map((g) => elements(g, 'path')[0].getAttribute('stroke'));
    expect(symbols).toEqual([PLOT_COLORS.black, PLOT_COLORS.orange]);
  });

  it("puts a log axis's labels 10⁰, 10¹, 10² a decade apart, with the data on them", async () => {
    const doc = parseSvg(
      await renderLinePlot({
        xLabel: 'x',
        yLabel: 'y',
        yScale: 'log',
        height: 300,
        series: [
          { label: 'at ten', x: [0, 1], y: [10, 10] },
          { label: 'span', x: [0, 1], y: [1, 100] },
        ],
      }),
    );
    const yAxis = axis(doc, 'Y-axis');
    expect(texts(withClass(yAxis, 'g', 'role-axis-label')[0])).toEqual(['10⁰', '10¹', '10²']);
    const tickY = elements(withClass(yAxis, 'g', 'role-axis-tick')[0], 'line').map(translateY);
    expect(tickY).toEqual([300, 150, 0]);
    // The series at 10 is drawn along the 10¹ tick (the axis sits half a pixel off to be crisp).
    const paths = withClass(doc, 'g', 'mark-line').map((g) => elements(g, 'path')[0].getAttribute('d'));
    expect(paths).toContain('M0,150L640,150');
    // Unlabelled minor ticks at 2…9 × 10⁰ and × 10¹.
    const minorAxis = withClass(doc, 'g', 'role-axis').find((g) => g.getAttribute('aria-hidden') === 'true');
    expect(elements(withClass(minorAxis as Element, 'g', 'role-axis-tick')[0], 'line')).toHaveLength(16);
  });

  it('draws the markers as dashed vertical rules at their x', async () => {
    const series = [{ label: 's', x: [0, 1], y: [0, 1] }];
    const doc = parseSvg(await renderLinePlot({ xLabel: 'x', yLabel: 'y', xRange: [0, 1], width: 400, markers: [0.25], series }));
    const rules = withClass(doc, 'g', 'mark-rule').find((g) => g.getAttribute('class')?.includes('role-mark')) as Element;
    const rule = elements(rules, 'line')[0];
    expect(rule.getAttribute('transform')).toBe('translate(100,0)');
    expect(rule.getAttribute('stroke-dasharray')).toBe('6,4');
  });
});
