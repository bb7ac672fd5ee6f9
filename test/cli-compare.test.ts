import { cpSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { lastJson, runWorkbench, smsSliceFlags, TINY_RUN_FLAGS } from './support/cli.js';
import { tempDir } from './support/tempDir.js';

/*
 * Issue 15's command line on real tiny runs: repeats with seeds, intervals and per-class figures in
 * `runs show`, McNemar in `runs compare` agreeing with the messages `runs errors` lists, refusals, export.
 * Needs ../shared (the SMS Spam Collection); sharedPath says so when it is missing.
 */

const dir = tempDir('wb-cli-compare-');
const data = path.join(dir, 'data');

// Random-weight 2-block model, one epoch over 300 real messages kept unbalanced (210 / 30 / 60): ~5 s a run.
const tiny = [...TINY_RUN_FLAGS, '--epochs', '1', '--no-balance'];

let file: string[];

const wb = (...args: string[]) => runWorkbench([...args, '--data', data]);
const json = async (...args: string[]) => lastJson(await wb(...args, '--json'));

interface Shown {
  id: number;
  status: string;
  group: string;
  hasPredictions: boolean;
  config: { seed: number; splitSeed?: number };
  accuracy: Record<Split, number>;
  gap: { trainVal: number; trainTest: number };
  intervals: Record<Split, [number, number]>;
  gapIntervals: { trainVal: [number, number]; trainTest: [number, number] };
  labels: string[];
  count: Record<Split, number>;
  confusion: Record<Split, number[][]>;
  perClass: Record<Split, Record<string, { precision: number | null; recall: number | null; f1: number; support: number }>>;
  macroF1: Record<Split, number>;
}
type Split = 'train' | 'val' | 'test';
interface Errors {
  split: string;
  count: number;
  errors: { index: number; text: string; label: string; predicted: string; confidence: number }[];
}
interface Disagreements {
  split: string;
  aOnlyRight: number;
  bOnlyRight: number;
  disagreements: { index: number; text: string; label: string; a: string; b: string }[];
}
interface Compared {
  split: string;
  pairs: { a: number; b: number; aOnlyRight: number; bOnlyRight: number; p: number; pHolm: number; distinguishable: boolean }[];
  groups: { runs: number[]; n: number; mean: Record<string, number>; sd: Record<string, number> | null }[];
  sentences: string[];
}

describe('repeats, intervals, runs compare and runs errors on real tiny runs', () => {
  beforeAll(async () => {
    file = smsSliceFlags(dir, 'sms-300.tsv');
  });

  it('runs add --repeats 2 queues two runs of one group that differ only in the training seed', async () => {
    const added = (await json('runs', 'add', ...file, ...tiny, '--repeats', '2')) as {
      runs: { id: number; name: string; duplicateOf: number | null; group: string }[];
    };
    expect(added.runs.map((r) => [r.id, r.name, r.duplicateOf])).toEqual([
      [1, 'seed 123', null],
      [2, 'seed 124', null],
    ]);
    expect(added.runs[0].group).toMatch(/^g[0-9a-f]+$/);
    expect(added.runs[1].group).toBe(added.runs[0].group);
    // The same settings on another split: another group.
    const other = (await json('runs', 'add', ...file, ...tiny, '--split-seed', '7')) as { runs: { id: number; group: string }[] };
    expect(other.runs).toHaveLength(1);
    expect(other.runs[0].id).toBe(3);
    expect(other.runs[0].group).not.toBe(added.runs[0].group);

    const bad = await wb('runs', 'add', ...file, ...tiny, '--repeats', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('workbench: runs add: --repeats takes a whole number from 1 to 50, got "0"\n');

    const trained = (await json('queue', 'run')) as { runs: { id: number; status: string; error: string | null }[] };
    expect(trained.runs.map((r) => [r.id, r.status, r.error])).toEqual([
      [1, 'finished', null],
      [2, 'finished', null],
      [3, 'finished', null],
    ]);
    const [a, b] = (await Promise.all([json('runs', 'show', '1'), json('runs', 'show', '2')])) as unknown as Shown[];
    expect([a.config.seed, b.config.seed]).toEqual([123, 124]);
    expect([a.config.splitSeed, b.config.splitSeed]).toEqual([123, 123]);
    expect(b.group).toBe(a.group);
  });

  it('runs show --json: each accuracy inside its interval, gaps inside theirs, per-class support summing to the split', async () => {
    const shown = (await json('runs', 'show', '1')) as unknown as Shown;
    expect(shown.hasPredictions).toBe(true);
    expect(shown.count).toEqual({ train: 210, val: 30, test: 60 });
    for (const split of ['train', 'val', 'test'] as const) {
      const [lo, hi] = shown.intervals[split];
      expect(lo).toBeLessThanOrEqual(shown.accuracy[split]);
      expect(hi).toBeGreaterThanOrEqual(shown.accuracy[split]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      const classes = shown.perClass[split];
      expect(Object.keys(classes)).toEqual(shown.labels);
      expect(Object.values(classes).reduce((n, c) => n + c.support, 0)).toBe(shown.count[split]);
      // Recall of a class: its diagonal cell over its row of the confusion matrix.
      shown.labels.forEach((label, i) => {
        const row = shown.confusion[split][i];
        expect(classes[label].support).toBe(row.reduce((x, y) => x + y, 0));
        expect(classes[label].recall).toBeCloseTo(row[i] / classes[label].support, 12);
      });
      const f1s = Object.values(classes).map((c) => c.f1);
      expect(shown.macroF1[split]).toBeCloseTo(f1s.reduce((x, y) => x + y, 0) / f1s.length, 12);
    }
    for (const gap of ['trainVal', 'trainTest'] as const) {
      const [lo, hi] = shown.gapIntervals[gap];
      expect(lo).toBeLessThanOrEqual(shown.gap[gap]);
      expect(hi).toBeGreaterThanOrEqual(shown.gap[gap]);
    }

    const text = await wb('runs', 'show', '1');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}test +\d+\.\d\d% \(95% CI \d+\.\d–\d+\.\d\)$/m);
    expect(text.stdout).toMatch(/^ {2}train − val +[+-]\d+\.\d\d points \(95% CI [−+]\d+\.\d to [−+]\d+\.\d\)$/m);
    expect(text.stdout).toContain('per class (test, 60 messages):');
    expect(text.stdout).toMatch(/^ {4}spam +(\d+\.\d%|—) +\d+\.\d% +\d+\.\d% +\d+$/m);
  });

  it('runs compare A B --json: aOnlyRight / bOnlyRight are the disagreements of runs errors --vs and of the two error lists', async () => {
    for (const split of ['test', 'val'] as const) {
      const compared = (await json('runs', 'compare', '1', '2', '--split', split)) as unknown as Compared;
      expect(compared.split).toBe(split);
      expect(compared.pairs).toHaveLength(1);
      const pair = compared.pairs[0];
      expect([pair.a, pair.b]).toEqual([1, 2]);
      expect(pair.pHolm).toBe(pair.p); // one pair: nothing to correct
      expect(pair.distinguishable).toBe(pair.p < 0.05);

      const vs = (await json('runs', 'errors', '1', '--vs', '2', '--split', split)) as unknown as Disagreements;
      expect(vs.split).toBe(split);
      expect(vs.disagreements.filter((d) => d.a === d.label)).toHaveLength(pair.aOnlyRight);
      expect(vs.disagreements.filter((d) => d.b === d.label)).toHaveLength(pair.bOnlyRight);
      expect([vs.aOnlyRight, vs.bOnlyRight]).toEqual([pair.aOnlyRight, pair.bOnlyRight]);

      const [errorsA, errorsB] = (await Promise.all([
        json('runs', 'errors', '1', '--split', split),
        json('runs', 'errors', '2', '--split', split),
      ])) as unknown as Errors[];
      const wrongA = new Set(errorsA.errors.map((e) => e.index));
      const wrongB = new Set(errorsB.errors.map((e) => e.index));
      expect([...wrongB].filter((i) => !wrongA.has(i))).toHaveLength(pair.aOnlyRight);
      expect([...wrongA].filter((i) => !wrongB.has(i))).toHaveLength(pair.bOnlyRight);
      expect(vs.disagreements.map((d) => d.index).sort((x, y) => x - y)).toEqual(
        [...wrongA, ...wrongB].filter((i) => wrongA.has(i) !== wrongB.has(i)).sort((x, y) => x - y),
      );
    }
    // The text form names both counts and the verdict.
    const text = await wb('runs', 'compare', '1', '2');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}A +B +only A right +only B right +p +p Holm +verdict$/m);
    expect(text.stdout).toMatch(/^ {2}#1 +#2 +\d+ +\d+ +(<0\.001|\d\.\d{3}) +(<0\.001|\d\.\d{3}) +(differ|same within chance)$/m);
    expect(text.stdout).toContain('On 60 test messages one message is 1.67 points of accuracy.');
  });

  it('runs compare --json summarises the repeats as one group: n, mean and sd of each figure', async () => {
    const [compared, a, b] = (await Promise.all([
      json('runs', 'compare', '1', '2'),
      json('runs', 'show', '1'),
      json('runs', 'show', '2'),
    ])) as unknown as [Compared, Shown, Shown];
    expect(compared.groups).toHaveLength(1);
    const [group] = compared.groups;
    expect(group.runs).toEqual([1, 2]);
    expect(group.n).toBe(2);
    expect(Object.keys(group.mean).sort()).toEqual(['test', 'train', 'trainTest', 'trainVal', 'val']);
    expect(group.mean.test).toBeCloseTo((a.accuracy.test + b.accuracy.test) / 2, 12);
    expect(group.sd!.test).toBeCloseTo(Math.abs(a.accuracy.test - b.accuracy.test) / Math.SQRT2, 12);
    expect(compared.sentences.length).toBeGreaterThan(0);
  });

  it('runs errors --json lists the mistakes, most confident first, as many as the confusion matrix says', async () => {
    const shown = (await json('runs', 'show', '1')) as unknown as Shown;
    const found = (await json('runs', 'errors', '1')) as unknown as Errors;
    expect(found.split).toBe('test');
    expect(found.count).toBe(60);
    const wrong = shown.confusion.test.reduce((n, row, i) => n + row.reduce((x, y) => x + y, 0) - row[i], 0);
    expect(found.errors).toHaveLength(wrong);
    for (const e of found.errors) {
      expect(e.predicted).not.toBe(e.label);
      expect(shown.labels).toContain(e.label);
      expect(e.text.length).toBeGreaterThan(0);
    }
    const confidences = found.errors.map((e) => e.confidence);
    expect(confidences).toEqual([...confidences].sort((x, y) => y - x));

    const spamOnly = (await json('runs', 'errors', '1', '--label', 'spam')) as unknown as Errors;
    expect(spamOnly.errors).toEqual(found.errors.filter((e) => e.label === 'spam'));

    const text = await wb('runs', 'errors', '1');
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe(`run 1: ${wrong} of 60 test messages misclassified, most confident first`);
    // One line per message, however long or multi-line its text.
    expect(lines).toHaveLength(wrong === 0 ? 1 : wrong + 2);
  });

  it('runs compare refuses runs on different splits, saying why; runs errors --vs too', async () => {
    const refused = await wb('runs', 'compare', '1', '2', '3', '--json');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'workbench: runs compare: cannot compare these runs message by message: ' +
        '#1 and #3 were evaluated on different messages (split seeds 123 and 7); ' +
        '#2 and #3 were evaluated on different messages (split seeds 123 and 7)\n',
    );
    const vs = await wb('runs', 'errors', '1', '--vs', '3');
    expect(vs.code).toBe(1);
    expect(vs.stderr).toContain('were evaluated on different messages (split seeds 123 and 7)');

    const split = await wb('runs', 'compare', '1', '2', '--split', 'train');
    expect(split.code).toBe(1);
    expect(split.stderr).toBe('workbench: runs compare: --split is test or val, got "train"\n');
    const one = await wb('runs', 'compare', '1');
    expect(one.code).toBe(1);
    expect(one.stderr).toBe('workbench: runs compare: give two or more run ids, e.g. workbench runs compare 1 2\n');
  });

  it('runs errors and runs compare on a queued run say it has not finished', async () => {
    const queued = (await json('runs', 'add', ...file, ...tiny, '--seed', '5')) as { runs: { id: number }[] };
    const id = String(queued.runs[0].id);
    const errors = await wb('runs', 'errors', id);
    expect(errors.code).toBe(1);
    expect(errors.stderr).toBe(`workbench: run ${id} is queued; only a finished run has predictions\n`);
    const compared = await wb('runs', 'compare', '1', id);
    expect(compared.code).toBe(1);
    expect(compared.stderr).toBe(`workbench: runs compare: cannot compare these runs message by message: #${id} is queued, not finished\n`);
    const missing = await wb('runs', 'errors', '99');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('workbench: no run 99\n');
  });

  it('a run whose predictions were not kept (finished before they were) says so in runs show, errors and compare', async () => {
    // A copy of the data folder in which run 2 looks like a run finished before the predictions table existed.
    const old = path.join(dir, 'old');
    cpSync(data, old, { recursive: true });
    const db = new Database(path.join(old, 'workbench.sqlite'));
    db.prepare('DELETE FROM predictions WHERE run_id = 2').run();
    db.close();
    const shown = lastJson(await runWorkbench(['runs', 'show', '2', '--data', old, '--json'])) as unknown as Shown;
    expect(shown.hasPredictions).toBe(false);
    expect(shown.intervals.test[0]).toBeLessThanOrEqual(shown.accuracy.test); // intervals come from the totals
    const text = await runWorkbench(['runs', 'show', '2', '--data', old]);
    expect(text.stdout).toContain('no predictions kept');
    const errors = await runWorkbench(['runs', 'errors', '2', '--data', old]);
    expect(errors.code).toBe(1);
    expect(errors.stderr).toMatch(/^workbench: run 2 has no per-message predictions kept/);
    const compared = await runWorkbench(['runs', 'compare', '1', '2', '--data', old]);
    expect(compared.code).toBe(1);
    expect(compared.stderr).toMatch(/cannot compare these runs message by message: #2 has no per-message predictions kept/);
  });

  it('runs export carries intervals, macro-F1 and the group; --groups gives one row per group', async () => {
    const { runs } = JSON.parse((await wb('runs', 'export', '--format', 'json')).stdout) as { runs: Record<string, unknown>[] };
    const shown = (await json('runs', 'show', '1')) as unknown as Shown;
    const row = runs.find((r) => r.id === 1)!;
    expect(row).toMatchObject({
      group: shown.group,
      test_accuracy: shown.accuracy.test,
      test_accuracy_lo: shown.intervals.test[0],
      test_accuracy_hi: shown.intervals.test[1],
      gap_train_val_lo: shown.gapIntervals.trainVal[0],
      gap_train_test_hi: shown.gapIntervals.trainTest[1],
      macro_f1_test: shown.macroF1.test,
      hosts: 'local',
    });
    // The queued run has no figures yet.
    expect(runs.find((r) => r.status === 'queued')).toMatchObject({ test_accuracy: null, test_accuracy_lo: null, macro_f1_test: null });

    const csv = await wb('runs', 'export', '--groups');
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    const columns = header.split(',');
    expect(columns.slice(0, 4)).toEqual(['group', 'name', 'n', 'runs']);
    expect(columns).toEqual(
      expect.arrayContaining(['splitSeed', 'test_accuracy_mean', 'test_accuracy_sd', 'gap_train_test_ci_lo', 'gap_train_test_ci_hi']),
    );
    expect(rows).toHaveLength(2);
    const { groups } = JSON.parse((await wb('runs', 'export', '--groups', '--format', 'json')).stdout) as {
      groups: Record<string, unknown>[];
    };
    expect(Object.keys(groups[0])).toEqual(columns);
    expect(groups.map((g) => [g.n, g.runs, g.splitSeed])).toEqual([
      [2, '1 2', 123],
      [1, '3', 7],
    ]);
    const testAccuracy = (id: number) => runs.find((r) => r.id === id)!.test_accuracy as number;
    expect(groups[0].test_accuracy_mean).toBeCloseTo((testAccuracy(1) + testAccuracy(2)) / 2, 12);
    expect(groups[1].test_accuracy_mean).toBeCloseTo(testAccuracy(3), 12);
    expect(groups[1]).toMatchObject({ test_accuracy_sd: null, test_accuracy_ci_lo: null }); // n = 1: no spread to speak of
  });
});
