/*
 * Colours of the compared runs, from one place so that every chart and the shared legend agree.
 * With repeats (a group of two or more runs that differ only in the seed) a group is one hue and
 * its runs are shades of it, so that a group reads as one thing; without, every run has its own.
 */

/** Tableau 10 as [hue, saturation %, lightness %]: ten hues that stay apart on white and for most colour-blind readers. */
const BASES: readonly (readonly [number, number, number])[] = [
  [205, 71, 41],
  [28, 100, 47],
  [120, 57, 40],
  [359, 69, 50],
  [271, 39, 57],
  [10, 30, 42],
  [318, 66, 60],
  [0, 0, 45],
  [60, 70, 38],
  [186, 80, 40],
];

const hsl = (h: number, s: number, l: number) => `hsl(${h}, ${s}%, ${Math.round(l)}%)`;
const clamp = (l: number) => Math.min(75, Math.max(22, l));

/** The i-th category's colour; past ten the hues come again darker, then lighter. */
export function categoryColor(index: number, shade = 0): string {
  const [h, s, l] = BASES[index % BASES.length];
  const cycle = Math.floor(index / BASES.length) % 3;
  return hsl(h, s, clamp(l + [0, -14, 14][cycle] + shade));
}

export interface Palette {
  /** Run id → colour. */
  runs: Map<number, string>;
  /** Group key → the group's own colour (the middle shade); only groups of two or more runs. */
  groups: Map<string, string>;
  /** Whether runs are coloured by group. */
  byGroup: boolean;
}

/** Colours for runs in their order; shades of a group run from dark to light, about 30 points of lightness apart at most. */
export function runPalette(runs: readonly { id: number; group: string }[]): Palette {
  const members = new Map<string, number[]>();
  for (const run of runs) members.set(run.group, [...(members.get(run.group) ?? []), run.id]);
  const byGroup = [...members.values()].some((ids) => ids.length >= 2);
  const palette: Palette = { runs: new Map(), groups: new Map(), byGroup };
  if (!byGroup) {
    runs.forEach((run, i) => palette.runs.set(run.id, categoryColor(i)));
    return palette;
  }
  [...members.entries()].forEach(([group, ids], i) => {
    const step = ids.length > 1 ? Math.min(10, 30 / (ids.length - 1)) : 0;
    ids.forEach((id, j) => palette.runs.set(id, categoryColor(i, (j - (ids.length - 1) / 2) * step)));
    if (ids.length >= 2) palette.groups.set(group, categoryColor(i));
  });
  return palette;
}
