import type { ComparisonStatistics, EvalSplit, GroupSummary, GroupTest, HeldOutSplit, PairTest } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import { splitSeedOf } from '../common/runConfig.js';
import type { SplitPredictions } from '../core/train/predictions.js';
import { holm, mcnemarExact, meanSd, tInterval, welchTest } from '../core/stats/index.js';
import { groupNames } from './grid.js';
import type { Evaluations } from './runFigures.js';

/** What the statistics need of a run. */
export interface ComparedRun {
  id: number;
  status: string;
  config: RunConfig;
  datasetHash: string;
  group: string;
  splitKey: string;
  evaluation: Evaluations | null;
  predictions: (split: EvalSplit) => SplitPredictions | null;
}

const ALPHA = 0.05;
const FIGURES = ['train', 'val', 'test', 'trainVal', 'trainTest'] as const;
type Figure = (typeof FIGURES)[number];
const GAPS: readonly Figure[] = ['trainVal', 'trainTest'];

/** McNemar on every pair evaluated on the same messages (Holm across them), group summaries, Welch between groups, and words. */
export function compareStatistics(runs: ComparedRun[], split: HeldOutSplit, datasetName?: (id: string) => string): ComparisonStatistics {
  const { pairs, unpaired } = pairTests(runs, split);
  const groups = groupSummaries(runs, datasetName);
  const groupTests = welchTests(groups, runs, split);
  return { split, pairs, unpaired, groups, groupTests, sentences: sentences(runs, split, pairs, groups, groupTests) };
}

function pairTests(runs: ComparedRun[], split: HeldOutSplit): { pairs: PairTest[]; unpaired: ComparisonStatistics['unpaired'] } {
  const tested: Omit<PairTest, 'pHolm' | 'distinguishable'>[] = [];
  const unpaired: ComparisonStatistics['unpaired'] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const [a, b] = [runs[i], runs[j]];
      const why = whyNotPaired(a, b, split);
      if (typeof why === 'string') unpaired.push({ a: a.id, b: b.id, reason: why });
      else tested.push({ a: a.id, b: b.id, ...why, p: mcnemarExact(why.aOnlyRight, why.bOnlyRight) });
    }
  }
  const adjusted = holm(tested.map((t) => t.p));
  return { pairs: tested.map((t, k) => ({ ...t, pHolm: adjusted[k], distinguishable: adjusted[k] < ALPHA })), unpaired };
}

/** The discordant counts of two runs, or why they cannot be paired message by message. */
export function whyNotPaired(a: ComparedRun, b: ComparedRun, split: EvalSplit): { aOnlyRight: number; bOnlyRight: number } | string {
  for (const r of [a, b]) if (r.status !== 'finished') return `#${r.id} is ${r.status}, not finished`;
  if (a.splitKey !== b.splitKey) return `#${a.id} and #${b.id} were evaluated on different messages (${splitDifference(a, b)})`;
  const [pa, pb] = [a.predictions(split), b.predictions(split)];
  for (const [r, p] of [
    [a, pa],
    [b, pb],
  ] as const)
    if (!p) return `#${r.id} has no per-message predictions kept (it finished before this version of the workbench)`;
  if (pa!.labels.length !== pb!.labels.length || pa!.labels.some((l, k) => l !== pb!.labels[k]))
    return `#${a.id} and #${b.id} have different messages in the ${splitWord(split)} split`;
  return discordant(pa!, pb!);
}

/** Messages only A gets right, and only B. */
export function discordant(a: SplitPredictions, b: SplitPredictions): { aOnlyRight: number; bOnlyRight: number } {
  let aOnlyRight = 0;
  let bOnlyRight = 0;
  a.labels.forEach((label, k) => {
    const [ra, rb] = [a.predicted[k] === label, b.predicted[k] === label];
    if (ra && !rb) aOnlyRight++;
    else if (rb && !ra) bOnlyRight++;
  });
  return { aOnlyRight, bOnlyRight };
}

function splitDifference(a: ComparedRun, b: ComparedRun): string {
  const [da, db] = [a.config.dataset, b.config.dataset];
  const what: string[] = [];
  if (a.datasetHash !== b.datasetHash) what.push('different data sets');
  if (da.balance !== db.balance) what.push('one balanced, one not');
  if (da.dedupe !== db.dedupe) what.push('one deduplicated, one not');
  if (JSON.stringify(da.split) !== JSON.stringify(db.split)) what.push('different split fractions');
  if (Boolean(da.stratify) !== Boolean(db.stratify)) what.push('one split stratified, one not');
  if (splitSeedOf(a.config) !== splitSeedOf(b.config)) what.push(`split seeds ${splitSeedOf(a.config)} and ${splitSeedOf(b.config)}`);
  return what.join(', ') || 'different splits';
}

/** Each figure of a finished run: the three accuracies and the two gaps. */
function figuresOf(e: Evaluations): Record<Figure, number> {
  return {
    train: e.train.accuracy,
    val: e.val.accuracy,
    test: e.test.accuracy,
    trainVal: e.train.accuracy - e.val.accuracy,
    trainTest: e.train.accuracy - e.test.accuracy,
  };
}

/** Finished runs by group, in order of first appearance: n, mean, sd and the t-interval of the mean of every figure; named by what differs among the groups. */
export function groupSummaries(runs: ComparedRun[], datasetName?: (id: string) => string): GroupSummary[] {
  const byGroup = new Map<string, ComparedRun[]>();
  for (const r of runs) if (r.status === 'finished' && r.evaluation) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r]);
  const names = groupNames(
    [...byGroup.values()].map((members) => members[0].config),
    datasetName,
  );
  return [...byGroup.entries()].map(([key, members], g) => {
    const values = members.map((r) => figuresOf(r.evaluation!));
    const per = <T>(f: (xs: number[]) => T) => Object.fromEntries(FIGURES.map((k) => [k, f(values.map((v) => v[k]))])) as Record<Figure, T>;
    const stats = per((xs) => meanSd(xs));
    const intervals = per((xs) => tInterval(xs));
    // An accuracy lies in [0, 1] and a gap in [-1, 1]; the t-interval of a few spread-out seeds can reach past them.
    for (const k of FIGURES) {
      const [lo, hi] = GAPS.includes(k) ? [-1, 1] : [0, 1];
      const i = intervals[k];
      if (i) intervals[k] = [Math.max(lo, i[0]), Math.min(hi, i[1])];
    }
    const n = members.length;
    return {
      key,
      name: names[g],
      runs: members.map((r) => r.id),
      n,
      mean: per((xs) => meanSd(xs).mean),
      sd: n < 2 ? null : (Object.fromEntries(FIGURES.map((k) => [k, stats[k].sd!])) as Record<Figure, number>),
      interval: n < 2 ? null : (Object.fromEntries(FIGURES.map((k) => [k, intervals[k]!])) as Record<Figure, [number, number]>),
    };
  });
}

/** Welch's t-test between every two groups of at least two runs: held-out accuracy and the gap to it, Holm within each. */
function welchTests(groups: GroupSummary[], runs: ComparedRun[], split: HeldOutSplit): GroupTest[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const values = (g: GroupSummary, metric: GroupTest['metric']) =>
    g.runs.map((id) => figuresOf(byId.get(id)!.evaluation!)[metric === 'accuracy' ? split : split === 'val' ? 'trainVal' : 'trainTest']);
  const big = groups.filter((g) => g.n >= 2);
  const out: GroupTest[] = [];
  for (const metric of ['accuracy', 'gap'] as const) {
    const tests: Omit<GroupTest, 'pHolm' | 'distinguishable'>[] = [];
    for (let i = 0; i < big.length; i++)
      for (let j = i + 1; j < big.length; j++) {
        const { t, df, p } = welchTest(values(big[i], metric), values(big[j], metric));
        tests.push({ a: big[i].key, b: big[j].key, metric, t: Number.isFinite(t) ? t : null, df, p });
      }
    const adjusted = holm(tests.map((t) => t.p));
    out.push(...tests.map((t, k) => ({ ...t, pHolm: adjusted[k], distinguishable: adjusted[k] < ALPHA })));
  }
  return out;
}

const splitWord = (split: EvalSplit) => ({ train: 'training', val: 'validation', test: 'test' })[split];

/** A p-value as a learner reads it. */
export function pText(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p >= 0.1 ? p.toFixed(2) : p.toPrecision(2)}`;
}

const points = (x: number) => `${(100 * x).toFixed(1)} points`;

/** The verdicts in plain words: what one message is worth, which pairs differ beyond chance, and which do not. */
function sentences(runs: ComparedRun[], split: HeldOutSplit, pairs: PairTest[], groups: GroupSummary[], groupTests: GroupTest[]): string[] {
  const out: string[] = [];
  const word = splitWord(split);
  const first = runs.find((r) => r.evaluation);
  const count = first?.evaluation?.[split].count;
  if (count) out.push(`On ${count} ${word} messages one message is ${(100 / count).toFixed(2)} points of accuracy.`);
  const corrected = pairs.length > 1 ? ` after Holm's correction for ${pairs.length} pairs` : '';
  const differ = pairs.filter((p) => p.distinguishable);
  for (const p of differ) {
    const [better, worse, more, fewer] =
      p.aOnlyRight > p.bOnlyRight ? [p.a, p.b, p.aOnlyRight, p.bOnlyRight] : [p.b, p.a, p.bOnlyRight, p.aOnlyRight];
    out.push(
      `#${better} is right more often than #${worse} on these ${count} ${word} messages: ${more} messages only #${better} gets right, ` +
        `${fewer} only #${worse} (${pText(p.pHolm)}${corrected}) — a difference beyond chance.`,
    );
  }
  const same = pairs.filter((p) => !p.distinguishable);
  if (same.length > 0 && same.length <= 3) {
    for (const p of same)
      out.push(`#${p.a} and #${p.b} do not differ beyond chance on these ${count} ${word} messages (${pText(p.pHolm)}${corrected}).`);
  } else if (same.length > 3) {
    out.push(
      `The other ${same.length} pairs do not differ beyond chance on these ${count} ${word} messages (each p ≥ ${ALPHA}${corrected}).`,
    );
  }
  const named = new Map(groups.map((g) => [g.key, `“${g.name}” (n = ${g.n})`]));
  const mean = new Map(groups.map((g) => [g.key, g.mean]));
  for (const t of groupTests) {
    const figure = t.metric === 'accuracy' ? `${word} accuracy` : `train − ${word} gap`;
    const pick = (key: string) => {
      const m = mean.get(key)!;
      return t.metric === 'accuracy' ? m[split] : split === 'val' ? m.trainVal : m.trainTest;
    };
    const verdict = t.distinguishable ? 'a difference beyond chance' : 'not different beyond chance';
    const how = t.t === null ? 'every seed gave the same value within each group' : `Welch's t-test over the seeds, ${pText(t.pHolm)}`;
    const value = (key: string) => (t.metric === 'accuracy' ? `${(100 * pick(key)).toFixed(1)}%` : points(pick(key)));
    out.push(`Mean ${figure}: ${named.get(t.a)} ${value(t.a)} vs ${named.get(t.b)} ${value(t.b)} — ${verdict} (${how}).`);
  }
  return out;
}
