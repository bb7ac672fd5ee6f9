import type { Chart, Plugin } from 'chart.js';

/** One bar's interval [low, high] in the y scale's units, or null for a bar without one. */
export type Whisker = readonly [number, number] | null;

/** The y range the whiskers reach, so the scale can make room for them; null when there are none. */
export function whiskerRange(whiskers: readonly (readonly Whisker[])[]): { min: number; max: number } | null {
  const ends = whiskers.flat().flatMap((w) => (w && w.every(Number.isFinite) ? [...w] : []));
  return ends.length ? { min: Math.min(...ends), max: Math.max(...ends) } : null;
}

/**
 * Error bars drawn as whiskers over each element (bar or point) j of dataset i from `whiskers[i][j]`,
 * along the value axis: up and down on a vertical chart, left and right on a horizontal one
 * (`indexAxis: 'y'`). A small inline plugin rather than a chart type of its own, so the chart stays
 * chart.js's plain bar or line chart; the intervals are captured here instead of in chart options,
 * which chart.js would resolve per index.
 */
export function errorBarsPlugin(whiskers: readonly (readonly Whisker[])[], color = '#111827'): Plugin {
  const valueAxis = (chart: Chart) => (chart.options.indexAxis === 'y' ? 'x' : 'y');
  return {
    id: 'errorBars',
    afterDataLimits(chart, { scale }) {
      const range = whiskerRange(whiskers);
      if (scale.axis !== valueAxis(chart) || !range) return;
      scale.min = Math.min(scale.min, range.min);
      scale.max = Math.max(scale.max, range.max);
    },
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const horizontal = valueAxis(chart) === 'x';
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      whiskers.forEach((elements, i) => {
        if (!chart.isDatasetVisible(i)) return;
        const meta = chart.getDatasetMeta(i);
        const scale = chart.scales[(horizontal ? meta.xAxisID : meta.yAxisID) ?? valueAxis(chart)];
        elements.forEach((whisker, j) => {
          const element = meta.data[j];
          if (!whisker || !element || !scale) return;
          const { x, y, width, height } = element.getProps(['x', 'y', 'width', 'height'], true) as Record<string, number | undefined>;
          // A bar's cap is a quarter of its thickness (at most 6 px); a point has no thickness.
          const thickness = horizontal ? height : width;
          const cap = thickness ? Math.min(6, thickness / 4) : 5;
          const [from, to] = [scale.getPixelForValue(whisker[0]), scale.getPixelForValue(whisker[1])];
          ctx.beginPath();
          if (horizontal) {
            ctx.moveTo(from, y!);
            ctx.lineTo(to, y!);
            for (const end of [from, to]) {
              ctx.moveTo(end, y! - cap);
              ctx.lineTo(end, y! + cap);
            }
          } else {
            ctx.moveTo(x!, from);
            ctx.lineTo(x!, to);
            for (const end of [from, to]) {
              ctx.moveTo(x! - cap, end);
              ctx.lineTo(x! + cap, end);
            }
          }
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
}
