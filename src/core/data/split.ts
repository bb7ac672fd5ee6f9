import { minOf } from '../arrays.js';
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
  /** Cut each label by the fractions (see stratifiedCut) instead of the whole shuffled list (the book's cut). Off by default. */
  stratify?: boolean;
}

/** A text that occurs in more than one split, with the lines of all its occurrences. */
export interface Leak {
  text: string;
  splits: SplitName[];
  lines: number[];
}

export type Splits<T> = Record<SplitName, T[]> & { leaks: Leak[] };

/**
 * dedupe → balance → shuffle → cut the book's way (see cutSplits), or each label by itself with
 * `stratify` (see stratifiedCut) → leakage report. Balancing and shuffling draw exactly as the book's
 * pandas code does (`sample(…, random_state=seed)`); the stratified cut draws nothing more.
 */
export function splitRows<T extends LabeledRow>(rows: readonly T[], options: SplitOptions = {}): Splits<T> {
  const book = BOOK_RUN_CONFIG.dataset;
  const seed = options.seed ?? BOOK_RUN_CONFIG.seed;
  const unique = (options.dedupe ?? book.dedupe) ? dedupeTexts(rows) : rows;
  const balanced = (options.balance ?? book.balance) ? balanceLabels(unique, seed) : unique;
  const shuffled = pandasSample(balanced, balanced.length, seed);
  const fractions = options.fractions ?? book.split;
  const splits = options.stratify ? stratifiedCut(shuffled, fractions) : cutSplits(shuffled, fractions);
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
  const smallest = minOf([...byLabel.values()].map((group) => group.length));
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

/**
 * The stratified cut of an already shuffled list. Each label's rows, in their shuffled order, are cut
 * as cumulative floors of the fractions: with n rows of a label, its first ⌊train·n⌋ go to train, those
 * up to ⌊(train + val)·n⌋ to val, the rest to test. So every split holds each label within one row of
 * its exact share (train·n, val·n, test·n), and no label can miss from val or test by the luck of the
 * shuffle. Each split keeps the shuffled order, so labels stay mixed within it (evaluation reads its
 * first batches). Nothing is drawn: the same seed gives the same shuffle as the book's cut.
 */
export function stratifiedCut<T extends { label: string }>(rows: readonly T[], fractions: SplitFractions): Record<SplitName, T[]> {
  checkFractions(fractions);
  const total = new Map<string, number>();
  for (const row of rows) total.set(row.label, (total.get(row.label) ?? 0) + 1);
  // The epsilon keeps 0.7 + 0.1 = 0.7999999999999999 from flooring 10 rows to 7 instead of 8.
  const floorOf = (fraction: number, n: number) => Math.floor(fraction * n + 1e-9);
  const seen = new Map<string, number>();
  const out: Record<SplitName, T[]> = { train: [], val: [], test: [] };
  for (const row of rows) {
    const n = total.get(row.label)!;
    const k = seen.get(row.label) ?? 0;
    seen.set(row.label, k + 1);
    const split = k < floorOf(fractions.train, n) ? 'train' : k < floorOf(fractions.train + fractions.val, n) ? 'val' : 'test';
    out[split].push(row);
  }
  return out;
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
