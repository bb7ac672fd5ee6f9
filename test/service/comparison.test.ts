import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, RunDetail } from '../../src/common/api.js';
import { confusionOf } from '../../src/core/train/predictions.js';
import { openDatabase } from '../../src/service/database.js';
import { Conflict } from '../../src/service/errors.js';
import { RunStore } from '../../src/service/runStore.js';
import { DATABASE_FILE, type WorkbenchService } from '../../src/service/workbenchService.js';
import { errorOf } from '../support/errors.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/*
 * Repeats and the statistics behind Compare, end to end: real training processes on the real SMS data (a slice),
 * the predictions read back from the real database file.
 */

const dataDir = tempDir('wb-compare-');
let service: WorkbenchService;
let dataset: DatasetSummary;
let runs: RunDetail[];
let other: RunDetail;

const SPLITS = ['train', 'val', 'test'] as const;
const offDiagonal = (confusion: number[][]) => confusion.flat().reduce((a, b) => a + b, 0) - confusion.reduce((s, row, i) => s + row[i], 0);

beforeAll(async () => {
  ({ service } = await openService({ dataDir, autoStart: false }));
  dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const created = await service.createRuns({ base: tinyRun(dataset.id), vary: { trainable: ['all', 'head+norm'] }, repeats: 2 });
  const [elsewhere] = await service.createRuns({ base: tinyRun(dataset.id, { splitSeed: 7 }) });
  service.startQueue();
  await service.whenIdle();
  runs = await Promise.all(created.map((r) => service.getRun(r.id)));
  other = await service.getRun(elsewhere.id);
  for (const r of [...runs, other]) expect(r.status, r.error ?? '').toBe('finished');
}, 240_000);

describe('repeats', () => {
  it('queue each cell with seeds seed, seed + 1 on one split, grouped by cell', () => {
    expect(runs.map((r) => r.config.seed)).toEqual([123, 124, 123, 124]);
    expect(runs.map((r) => r.config.splitSeed)).toEqual([123, 123, 123, 123]);
    expect(runs.map((r) => r.name)).toEqual(['all · seed 123', 'all · seed 124', 'head+norm · seed 123', 'head+norm · seed 124']);
    expect(runs[0].group).toBe(runs[1].group);
    expect(runs[2].group).toBe(runs[3].group);
    expect(runs[0].group).not.toBe(runs[2].group);
    expect(new Set(runs.map((r) => r.splitKey)).size).toBe(1);
    expect(other.splitKey).not.toBe(runs[0].splitKey);
  });
});

describe('stored predictions', () => {
  it('reproduce every run’s stored accuracies and confusion matrices exactly', () => {
    const db = openDatabase(path.join(dataDir, DATABASE_FILE));
    try {
      const store = new RunStore(db);
      for (const run of [...runs, other]) {
        expect(run.hasPredictions).toBe(true);
        for (const split of SPLITS) {
          const kept = store.predictions(run.id, split)!;
          const e = run.evaluation![split];
          expect(kept.labels.length).toBe(e.count);
          expect(confusionOf(kept, run.labels.length)).toEqual(e.confusion);
          const correct = kept.labels.filter((l, k) => kept.predicted[k] === l).length;
          expect(correct / e.count).toBe(e.accuracy);
          expect([...kept.confidence].every((c) => c >= 1 / run.labels.length - 1e-6 && c <= 1)).toBe(true);
        }
      }
    } finally {
      db.close();
    }
  });

  it('carry intervals that hold each figure, and per-class figures that add up', () => {
    for (const run of runs) {
      for (const split of SPLITS) {
        const [lo, hi] = run.intervals![split];
        expect(lo).toBeLessThanOrEqual(run.accuracy![split]);
        expect(hi).toBeGreaterThanOrEqual(run.accuracy![split]);
        const perClass = Object.values(run.perClass![split]);
        expect(perClass.reduce((s, c) => s + c.support, 0)).toBe(run.evaluation![split].count);
        expect(run.macroF1![split]).toBeCloseTo(perClass.reduce((s, c) => s + c.f1, 0) / perClass.length, 12);
      }
      for (const gap of ['trainVal', 'trainTest'] as const) {
        const [lo, hi] = run.gapIntervals![gap];
        expect(lo).toBeLessThanOrEqual(run.gap![gap] + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(run.gap![gap] - 1e-12);
      }
    }
  });
});

describe('mistakes and disagreements', () => {
  it('list exactly the misclassified messages, most confident first', async () => {
    for (const split of SPLITS) {
      const { errors, count } = await service.getRunErrors(runs[2].id, split);
      expect(count).toBe(runs[2].evaluation![split].count);
      expect(errors).toHaveLength(offDiagonal(runs[2].evaluation![split].confusion));
      expect(errors.every((e) => e.label !== e.predicted && e.text.length > 0)).toBe(true);
      expect(errors.map((e) => e.confidence)).toEqual(errors.map((e) => e.confidence).sort((a, b) => b - a));
    }
  });

  it('are McNemar’s two counts, and refused across different splits', async () => {
    const { statistics } = await service.compareRuns([runs[0].id, runs[2].id]);
    const [pair] = statistics.pairs;
    const { disagreements } = await service.getDisagreements(runs[0].id, runs[2].id);
    expect(disagreements.filter((d) => d.a === d.label)).toHaveLength(pair.aOnlyRight);
    expect(disagreements.filter((d) => d.b === d.label)).toHaveLength(pair.bOnlyRight);
    const wrong = async (id: number) => new Set((await service.getRunErrors(id)).errors.map((e) => e.index));
    const [wa, wb] = [await wrong(runs[0].id), await wrong(runs[2].id)];
    expect(pair.aOnlyRight).toBe([...wb].filter((i) => !wa.has(i)).length);
    expect(pair.bOnlyRight).toBe([...wa].filter((i) => !wb.has(i)).length);

    const refused = await errorOf(service.getDisagreements(runs[0].id, other.id));
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused.message).toMatch(/different messages \(split seeds 123 and 7\)/);
  });
});

describe('a comparison of two groups', () => {
  it('tests every pair on the same messages with Holm’s correction, summarises the groups, and says it in words', async () => {
    const comparison = await service.compareRuns([...runs.map((r) => r.id), other.id]);
    const s = comparison.statistics;
    expect(s.split).toBe('test');
    expect(s.pairs).toHaveLength(6);
    expect(s.unpaired).toHaveLength(4);
    expect(s.unpaired.every((u) => u.b === other.id && /different messages/.test(u.reason))).toBe(true);
    for (const p of s.pairs) {
      expect(p.pHolm).toBeGreaterThanOrEqual(p.p);
      expect(p.distinguishable).toBe(p.pHolm < 0.05);
    }
    const groups = s.groups.filter((g) => g.n === 2);
    expect(groups.map((g) => g.runs)).toEqual([
      [runs[0].id, runs[1].id],
      [runs[2].id, runs[3].id],
    ]);
    // Named by what differs among the compared groups, not by everything that differs from the book.
    expect(s.groups.map((g) => g.name)).toEqual(['all · split seed 123', 'head+norm · split seed 123', 'all · split seed 7']);
    expect(groups[0].mean.test).toBeCloseTo((runs[0].accuracy!.test + runs[1].accuracy!.test) / 2, 12);
    expect(groups[0].interval!.trainTest[0]).toBeLessThanOrEqual(groups[0].mean.trainTest);
    expect(s.groupTests.map((t) => t.metric)).toEqual(['accuracy', 'gap']);
    expect(s.sentences[0]).toMatch(/^On \d+ test messages one message is [\d.]+ points of accuracy\.$/);
    expect(s.sentences.some((line) => /beyond chance/.test(line))).toBe(true);

    const onVal = await service.compareRuns([runs[0].id, runs[1].id], 'val');
    expect(onVal.statistics.split).toBe('val');
    expect(onVal.statistics.sentences[0]).toContain(`On ${runs[0].evaluation!.val.count} validation messages`);
  });

  it('lists the groups of all finished runs', async () => {
    const groups = await service.listGroups();
    expect(groups.map((g) => g.n).sort()).toEqual([1, 2, 2]);
  });
});

describe('estimates', () => {
  it('are learnt from finished runs of other settings, for planned and queued runs', async () => {
    const [planned] = await service.planRuns({ base: tinyRun(dataset.id, { epochs: 4, trainable: { kind: 'last', blocks: 1 } }) });
    expect(planned.duplicateOf).toBeNull();
    expect(planned.estimatedSeconds).toBeGreaterThan(0);
    const [longer] = await service.planRuns({ base: tinyRun(dataset.id, { epochs: 8, trainable: { kind: 'last', blocks: 1 } }) });
    expect(longer.estimatedSeconds).toBeGreaterThan(planned.estimatedSeconds!);
    await service.setQueuePaused(true);
    const [queued] = await service.createRuns({ base: tinyRun(dataset.id, { epochs: 4, trainable: { kind: 'last', blocks: 1 } }) });
    const listed = (await service.listRuns()).find((r) => r.id === queued.id)!;
    expect(listed.estimatedSeconds).toBeCloseTo(planned.estimatedSeconds!, 6);
    expect((await service.listRuns()).find((r) => r.id === runs[0].id)!.estimatedSeconds).toBeNull();
    await service.deleteRun(queued.id);
  });
});

describe('a run finished before predictions were kept', () => {
  it('is compared on totals only and says why it cannot be paired', async () => {
    const db = openDatabase(path.join(dataDir, DATABASE_FILE));
    try {
      db.prepare('DELETE FROM predictions WHERE run_id = ?').run(runs[3].id);
    } finally {
      db.close();
    }
    expect((await service.getRun(runs[3].id)).hasPredictions).toBe(false);
    const { statistics } = await service.compareRuns([runs[2].id, runs[3].id]);
    expect(statistics.pairs).toEqual([]);
    expect(statistics.unpaired[0].reason).toMatch(/no per-message predictions kept/);
    expect(statistics.groups[0].n).toBe(2);
    const refused = await errorOf(service.getRunErrors(runs[3].id));
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused.message).toMatch(/no per-message predictions kept/);
  });
});
