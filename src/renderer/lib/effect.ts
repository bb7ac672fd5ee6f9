import type { Comparison, GroupSummary, Interval } from '../../common/api.js';
import { figureOf, type FigureKey, type Figured } from './figures.js';

/*
 * The effect chart: how a final figure changes along one varied setting (x), one line per value of
 * a second. Every other varied setting is held at one value, so that a point compares like with
 * like; seeds are not settings but noise, and a group of repeats becomes its mean with its
 * t-interval.
 */

// Repeats differ in these; averaging over them is the point of a group, not an effect to plot.
export const SEED_FIELDS: readonly string[] = ['seed', 'splitSeed'];

type Differences = Comparison['differences'];

/** Settings the chart can put on x or on its lines: the varied fields other than the seeds. */
export function effectFields(differences: Differences): string[] {
  return differences.map((d) => d.field).filter((f) => !SEED_FIELDS.includes(f));
}

/** A value as a map key (values come from JSON, so their JSON identifies them). */
export const valueKey = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** The default x (the first setting with numbers for values, such as dropout) and lines (the next setting). */
export function defaultAxes(differences: Differences): { x: string | null; line: string | null } {
  const fields = effectFields(differences);
  const numeric = fields.find((f) => differences.find((d) => d.field === f)!.values.every((v) => typeof v === 'number'));
  const x = numeric ?? fields[0] ?? null;
  return { x, line: fields.find((f) => f !== x) ?? null };
}

/** Each other setting held at its most common value (the first of equals), as a value key. */
export function defaultHeld(differences: Differences, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    fields.map((field) => {
      const counts = new Map<string, number>();
      for (const v of differences.find((d) => d.field === field)?.values ?? []) counts.set(valueKey(v), (counts.get(valueKey(v)) ?? 0) + 1);
      return [field, [...counts.entries()].reduce((best, e) => (e[1] > best[1] ? e : best))[0]];
    }),
  );
}

/** Distinct values in order: numbers ascending, anything else in order of first appearance. */
function distinct(values: readonly unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const v of values) if (!seen.has(valueKey(v))) seen.set(valueKey(v), v);
  const list = [...seen.values()];
  return list.every((v) => typeof v === 'number') ? (list as number[]).sort((a, b) => a - b) : list;
}

export interface EffectPoint {
  /** The figure as a fraction: a group's mean, one run's figure, or the mean of runs that are not one whole group. */
  y: number;
  /** The group's 95% t-interval of the mean; null for one run or a partial group. */
  interval: Interval | null;
  runs: number[];
  from: 'group' | 'run' | 'runs';
}

export interface EffectLine {
  /** The line setting's value (null when there is no line setting: one line of all runs). */
  value: unknown;
  /** One per x value, null where no run has that pair of values. */
  points: (EffectPoint | null)[];
}

export interface EffectData {
  xValues: unknown[];
  lines: EffectLine[];
  /** Runs drawn (finished, shown, with the held settings' values). */
  used: number[];
  /** Shown, finished runs left out because a held setting has another value. */
  heldOut: number[];
}

export interface EffectChoice {
  x: string;
  line: string | null;
  figure: FigureKey;
  /** Other varied settings → the value key they are held at. */
  held: Record<string, string>;
}

/**
 * The chart's lines from the compared runs (in `differences` order), the statistics' groups and
 * which runs are shown.
 */
export function effectData(
  runs: readonly (Figured & { group: string })[],
  differences: Differences,
  groups: readonly GroupSummary[],
  shown: (id: number) => boolean,
  choice: EffectChoice,
): EffectData {
  const column = (field: string) => differences.find((d) => d.field === field)?.values ?? runs.map(() => null);
  const xs = column(choice.x);
  const lineValues = choice.line ? column(choice.line) : runs.map(() => null);
  const held = Object.entries(choice.held).map(([field, key]) => [column(field), key] as const);
  const finished = runs.map((r, i) => ({ run: r, i, y: figureOf(r, choice.figure) })).filter((e) => e.y != null && shown(e.run.id));
  const kept = finished.filter((e) => held.every(([values, key]) => valueKey(values[e.i]) === key));
  const xValues = distinct(kept.map((e) => xs[e.i]));
  const lines = distinct(kept.map((e) => lineValues[e.i])).map((value) => ({
    value,
    points: xValues.map((x) => {
      const cell = kept.filter((e) => valueKey(xs[e.i]) === valueKey(x) && valueKey(lineValues[e.i]) === valueKey(value));
      return cell.length
        ? point(
            cell.map((e) => ({ id: e.run.id, group: e.run.group, y: e.y! })),
            groups,
            choice.figure,
          )
        : null;
    }),
  }));
  return { xValues, lines, used: kept.map((e) => e.run.id), heldOut: finished.filter((e) => !kept.includes(e)).map((e) => e.run.id) };
}

function point(cell: { id: number; group: string; y: number }[], groups: readonly GroupSummary[], figure: FigureKey): EffectPoint {
  const runs = cell.map((c) => c.id);
  if (cell.length === 1) return { y: cell[0].y, interval: null, runs, from: 'run' };
  // The statistics' mean and interval are over the whole group; only a cell that is exactly the group may use them.
  const group = groups.find((g) => g.key === cell[0].group);
  const whole = group && group.n === cell.length && cell.every((c) => c.group === group.key && group.runs.includes(c.id));
  if (whole && group.interval) return { y: group.mean[figure], interval: group.interval[figure], runs, from: 'group' };
  return { y: cell.reduce((sum, c) => sum + c.y, 0) / cell.length, interval: null, runs, from: 'runs' };
}
