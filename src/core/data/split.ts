import { BOOK_RUN_CONFIG, type DatasetConfig } from '../../common/runConfig.js';
import { WorkbenchError } from '../errors.js';
import { sortLabels } from './dataset.js';
import { pandasSample } from './numpyRandom.js';
import type { LabeledRow } from './validation.js';

export type SplitName = 'train' | 'val' | 'test';
export type SplitFractions = DatasetConfig['split'];

/** Each option defaults to the book's recipe (BOOK_RUN_CONFIG): seed 123, balanced, 70/10/20, no dedupe. */
export interface SplitOptions {
  /** Seeds balancing and shuffling, as pandas' random_state (drawn with the same NumPy generator). */
  seed?: number;
  /** Undersample every label to the smallest one's count, as the book does. */
  balance?: boolean;
  fractions?: SplitFractions;
  /** Keep only the first row of each text before anything else, so no text can leak across splits. */
  dedupe?: boolean;
}

/** A text that occurs in more than one split, with the lines of all its occurrences. */
export interface Leak {
  text: string;
  splits: SplitName[];
  lines: number[];
}

export type Splits<T> = Record<SplitName, T[]> & { leaks: Leak[] };

/**
 * dedupe → balance → shuffle → cut the book's way (see cutSplits) → leakage report. Balancing and
 * shuffling draw exactly as the book's pandas code does (`sample(…, random_state=seed)`).
 */
export function splitRows<T extends LabeledRow>(rows: readonly T[], options: SplitOptions = {}): Splits<T> {
  const book = BOOK_RUN_CONFIG.dataset;
  const seed = options.seed ?? BOOK_RUN_CONFIG.seed;
  const unique = (options.dedupe ?? book.dedupe) ? dedupeTexts(rows) : rows;
  const balanced = (options.balance ?? book.balance) ? balanceLabels(unique, seed) : unique;
  const splits = cutSplits(pandasSample(balanced, balanced.length, seed), options.fractions ?? book.split);
  return { ...splits, leaks: findLeaks(splits) };
}

/** The first row of each text, in order. */
export function dedupeTexts<T extends { text: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.text) && seen.add(row.text));
}

/**
 * Every label undersampled to the smallest label's count, as the book's create_balanced_dataset:
 * each larger class is `sample(smallest, random_state=seed)`, classes are concatenated in label
 * order (ham before spam), and a class already at the smallest count keeps its file order.
 */
export function balanceLabels<T extends { label: string }>(rows: readonly T[], seed: number): T[] {
  const byLabel = new Map<string, T[]>();
  for (const row of rows) {
    const group = byLabel.get(row.label);
    if (group) group.push(row);
    else byLabel.set(row.label, [row]);
  }
  const smallest = Math.min(...[...byLabel.values()].map((group) => group.length));
  return sortLabels(byLabel.keys()).flatMap((label) => {
    const group = byLabel.get(label)!;
    return group.length > smallest ? pandasSample(group, smallest, seed) : group;
  });
}

/** train = ⌊train·n⌋, val = ⌊val·n⌋, test = the rest — the book's cut (1,045 / 149 / 300 for 1,494 rows). */
export function cutSplits<T>(rows: readonly T[], fractions: SplitFractions): Record<SplitName, T[]> {
  checkFractions(fractions);
  const trainEnd = Math.floor(rows.length * fractions.train);
  const valEnd = trainEnd + Math.floor(rows.length * fractions.val);
  return { train: rows.slice(0, trainEnd), val: rows.slice(trainEnd, valEnd), test: rows.slice(valEnd) };
}

export function findLeaks<T extends LabeledRow>(splits: Record<SplitName, readonly T[]>): Leak[] {
  const seen = new Map<string, Leak>();
  for (const name of ['train', 'val', 'test'] as const) {
    for (const row of splits[name]) {
      const leak = seen.get(row.text) ?? { text: row.text, splits: [], lines: [] };
      if (!leak.splits.includes(name)) leak.splits.push(name);
      leak.lines.push(row.line);
      seen.set(row.text, leak);
    }
  }
  const leaks = [...seen.values()].filter((leak) => leak.splits.length > 1);
  for (const leak of leaks) leak.lines.sort((a, b) => a - b);
  return leaks.sort((a, b) => a.lines[0] - b.lines[0]);
}

function checkFractions(fractions: SplitFractions): void {
  const values = Object.values(fractions);
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.some((f) => !(f >= 0)) || Math.abs(sum - 1) > 1e-9) {
    throw new WorkbenchError(`split fractions must be ≥ 0 and add up to 1 (got ${values.join(' / ')})`);
  }
}
