import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { lastJson, runWorkbench, smsSliceFlags, TINY_RUN_FLAGS } from './support/cli.js';
import { tempDir } from './support/tempDir.js';

/* The headless workflow of a GPU box: queue a grid, train it, read the results — all through the CLI and one data folder. */

const dir = tempDir('wb-cli-runs-');
const data = path.join(dir, 'data');

const tiny = TINY_RUN_FLAGS;

const sliceFlags = (name: string) => smsSliceFlags(dir, name);

it('runs add --vary queues a grid, queue run trains it, runs list/show/export report it', async () => {
  const file = sliceFlags('sms-slice.tsv');
  const slice = file[1];
  const added = lastJson(
    await runWorkbench(['runs', 'add', '--data', data, ...file, ...tiny, '--epochs', '1', '--vary', 'dropout=0,0.1', '--json']),
  );
  expect(added).toEqual({
    runs: [
      { id: 1, name: 'dropout 0', duplicateOf: null, group: expect.stringMatching(/^g[0-9a-f]+$/) as unknown },
      { id: 2, name: 'dropout 0.1', duplicateOf: null, group: expect.stringMatching(/^g[0-9a-f]+$/) as unknown },
    ],
  });
  // Different settings, different groups.
  const [first, second] = (added as { runs: { group: string }[] }).runs;
  expect(first.group).not.toBe(second.group);
  // The data set is kept in the data folder: what becomes of the original does not matter.
  writeFileSync(slice, '');

  const trained = lastJson(await runWorkbench(['queue', 'run', '--data', data, '--json']));
  expect(trained).toEqual({
    runs: [
      { id: 1, name: 'dropout 0', status: 'finished', error: null },
      { id: 2, name: 'dropout 0.1', status: 'finished', error: null },
    ],
  });

  const { runs } = lastJson(await runWorkbench(['runs', 'list', '--data', data, '--json'])) as { runs: Record<string, unknown>[] };
  expect(runs.map((r) => Object.keys(r))).toEqual(
    [0, 1].map(() => [
      'id',
      'name',
      'status',
      'config',
      'accuracy',
      'gap',
      'seconds',
      'error',
      'intervals',
      'gapIntervals',
      'group',
      'hasPredictions',
      'host',
    ]),
  );
  // Trained by this workbench's own trainer.
  expect(runs.map((r) => r.host)).toEqual(['local', 'local']);
  for (const r of runs as { accuracy: Record<string, number>; gap: Record<string, number>; config: { dropout: number } }[]) {
    expect(Object.keys(r.accuracy)).toEqual(['train', 'val', 'test']);
    expect(r.gap.trainTest).toBeCloseTo(r.accuracy.train - r.accuracy.test, 12);
  }
  expect(runs.map((r) => (r.config as { dropout: number }).dropout)).toEqual([0, 0.1]);

  const shown = lastJson(await runWorkbench(['runs', 'show', '2', '--data', data, '--json'])) as {
    confusion: { test: number[][] };
    curves: { epochs: unknown[] };
    labels: string[];
  };
  expect(shown.labels).toEqual(['ham', 'spam']);
  expect(shown.curves.epochs).toHaveLength(1);
  expect(shown.confusion.test.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  const tagged = lastJson(await runWorkbench(['runs', 'tag', '1', 'baseline', 'dropout study', '--data', data, '--json']));
  expect(tagged).toEqual({ id: 1, tags: ['baseline', 'dropout study'] });
  const removed = lastJson(await runWorkbench(['runs', 'tag', '1', 'dropout study', '--remove', '--data', data, '--json']));
  expect(removed).toEqual({ id: 1, tags: ['baseline'] });
  expect(lastJson(await runWorkbench(['runs', 'note', '1', 'the', 'reference', '--data', data, '--json']))).toEqual({
    id: 1,
    note: 'the reference',
  });
  const badTag = await runWorkbench(['runs', 'tag', '1', 'a,b', '--data', data]);
  expect([badTag.code, badTag.stderr]).toEqual([1, expect.stringMatching(/a tag has no commas or line breaks/)]);

  const csv = await runWorkbench(['runs', 'export', '--data', data]);
  expect(csv.code, csv.stderr).toBe(0);
  const [header, ...rows] = csv.stdout.trim().split('\n');
  expect(header).toBe(
    'id,name,status,dataset,group,tags,note,hosts,dropout,train_accuracy,train_accuracy_lo,train_accuracy_hi,val_accuracy,val_accuracy_lo,val_accuracy_hi,' +
      'test_accuracy,test_accuracy_lo,test_accuracy_hi,gap_train_val,gap_train_val_lo,gap_train_val_hi,' +
      'gap_train_test,gap_train_test_lo,gap_train_test_hi,macro_f1_train,macro_f1_val,macro_f1_test,seconds',
  );
  expect(
    rows.map((r) =>
      r
        .split(',')
        .filter((_, i) => i !== 4)
        .slice(0, 8),
    ),
  ).toEqual([
    ['1', 'dropout 0', 'finished', 'sms-slice.tsv', 'baseline', 'the reference', 'local', '0'],
    ['2', 'dropout 0.1', 'finished', 'sms-slice.tsv', '', '', 'local', '0.1'],
  ]);

  const bad = await runWorkbench(['runs', 'add', '--data', data, '--vary', 'colour=red']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^workbench: runs add: --vary takes FIELD=V1,V2 with FIELD one of dataset, /);
});

it('queue run killed with SIGKILL mid-run resumes the run from its checkpoint when started again', async () => {
  const killedData = path.join(dir, 'killed');
  lastJson(await runWorkbench(['runs', 'add', '--data', killedData, ...sliceFlags('sms-slice-2.tsv'), ...tiny, '--epochs', '3', '--json']));
  let sent = false;
  const killed = await runWorkbench(['queue', 'run', '--data', killedData], {
    // Once the second epoch has ended, the first epoch's checkpoint is on disk.
    onStderr: (soFar, pid) => {
      if (!sent && soFar.includes('epoch 2:')) {
        sent = true;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  expect(killed.code).toBe(null);

  const again = lastJson(await runWorkbench(['queue', 'run', '--data', killedData, '--json']));
  expect(again).toEqual({
    runs: [
      {
        id: 1,
        // Named after what differs from the book (cut short when long).
        name: expect.stringMatching(/^sms-slice-2\.tsv · custom:2,64,4,64 · /) as unknown,
        status: 'finished',
        error: null,
      },
    ],
  });
  const shown = lastJson(await runWorkbench(['runs', 'show', '1', '--data', killedData, '--json'])) as {
    resumedFromEpoch: number;
    restarts: number;
    curves: { epochs: { epoch: number }[] };
  };
  expect(shown.restarts).toBe(1);
  expect([0, 1]).toContain(shown.resumedFromEpoch);
  expect(shown.curves.epochs.map((p) => p.epoch)).toEqual([0, 1, 2]);
});

it('runs add --dataset FILE imports a Windows-1252 file, skips its bad rows only when asked, and queues a stratified run', async () => {
  const folder = path.join(dir, 'data-encodings');
  // Windows-1252: € is 0x80, “ ” are 0x93 0x94; line 3 has no text.
  const messages = Array.from({ length: 30 }, (_, i) => `${i % 3 === 0 ? 'spam' : 'ham'},message ${i} for \x80${i}`);
  const text = ['label,text', 'ham,\x93hi\x94 there', 'spam,', ...messages].join('\n');
  const file = path.join(dir, 'cp1252.csv');
  writeFileSync(file, Buffer.from(text, 'latin1'));
  const args = ['runs', 'add', '--data', folder, ...tiny, '--dataset', file, '--json'];

  const refused = await runWorkbench(args);
  expect([refused.code, refused.stderr]).toEqual([
    1,
    expect.stringMatching(/^workbench: cp1252\.csv: 1 problem blocks the import .*line 3: empty-text/),
  ]);

  const added = lastJson(await runWorkbench([...args, '--skip-problem-rows', '--stratify'])) as { runs: { id: number }[] };
  const shown = lastJson(await runWorkbench(['runs', 'show', String(added.runs[0].id), '--data', folder, '--json'])) as {
    config: { dataset: Record<string, unknown> };
  };
  expect(shown.config.dataset).toMatchObject({ source: expect.stringMatching(/^ds-/), stratify: true });
  expect(shown.config.dataset).not.toHaveProperty('skipProblemRows'); // kept with the data set, not the run

  const db = new Database(path.join(folder, 'workbench.sqlite'), { readonly: true });
  const stored = db.prepare('SELECT mapping, skipped_lines, rows FROM datasets').get() as {
    mapping: string;
    skipped_lines: string;
    rows: number;
  };
  db.close();
  expect(JSON.parse(stored.mapping)).toMatchObject({ encoding: 'windows-1252', skipProblemRows: true });
  expect([JSON.parse(stored.skipped_lines), stored.rows]).toEqual([[3], 31]);
});
