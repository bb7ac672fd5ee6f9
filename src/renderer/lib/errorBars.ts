import type { Plugin } from 'chart.js';

/** One bar's interval [low, high] in the y scale's units, or null for a bar without one. */
export type Whisker = readonly [number, number] | null;

/** The y range the whiskers reach, so the scale can make room for them; null when there are none. */
export function whiskerRange(whiskers: readonly (readonly Whisker[])[]): { min: number; max: number } | null {
  const ends = whiskers.flat().flatMap((w) => (w && w.every(Number.isFinite) ? [...w] : []));
  return ends.length ? { min: Math.min(...ends), max: Math.max(...ends) } : null;
}

/**
 * A bar chart's error bars, drawn as whiskers over each bar of dataset i from `whiskers[i][j]`. A small
 * inline plugin rather than a chart type of its own, so the bars stay chart.js's plain bar chart; the
 * intervals are captured here instead of in chart options, which chart.js would resolve per index.
 */
export function errorBarsPlugin(whiskers: readonly (readonly Whisker[])[], color = '#111827'): Plugin<'bar'> {
  return {
    id: 'errorBars',
    afterDataLimits(_chart, { scale }) {
      const range = whiskerRange(whiskers);
      if (scale.axis !== 'y' || !range) return;
      scale.min = Math.min(scale.min, range.min);
      scale.max = Math.max(scale.max, range.max);
    },
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      whiskers.forEach((bars, i) => {
        if (!chart.isDatasetVisible(i)) return;
        const meta = chart.getDatasetMeta(i);
        const y = chart.scales[meta.yAxisID ?? 'y'];
        bars.forEach((whisker, j) => {
          const bar = meta.data[j];
          if (!whisker || !bar || !y) return;
          const { x, width } = bar.getProps(['x', 'width'], true) as { x: number; width: number };
          const [top, bottom] = [y.getPixelForValue(whisker[1]), y.getPixelForValue(whisker[0])];
          const cap = Math.min(6, width / 4);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - cap, top);
          ctx.lineTo(x + cap, top);
          ctx.moveTo(x - cap, bottom);
          ctx.lineTo(x + cap, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
}
