import type { RunSummary } from '../src/common/api.js';
import type { Workbench } from './fixtures.js';
import { callApi, smsSlice } from './helpers.js';

/*
 * A workbench with twelve finished runs, as a user has them after an evening of experiments: two groups of
 * three repeats (learning rate 1e-3 and 3e-3), a grid of trainable × dropout (the effect chart's two settings),
 * all tiny models on 300 real messages so that the twelve train in about a minute.
 */

const TINY = {
  model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 }, weights: 'random' },
  trainable: 'all',
  learningRate: 1e-3,
  epochs: 1,
  maxLength: 32,
  evalEvery: 10,
  evalBatches: 1,
};

export interface TwelveRuns {
  datasetId: string;
  /** All twelve, in id order. */
  ids: number[];
  /** The two groups of repeats (three runs each). */
  groups: number[][];
  /** trainable ∈ {all, head+norm, last-1} × dropout ∈ {0, 0.1}, the grid's order. */
  grid: number[];
}

export async function seedTwelveRuns(workbench: Workbench, datasetName = 'SMS 300 (twelve runs)'): Promise<TwelveRuns> {
  const file = { name: 'sms-300.tsv', base64: Buffer.from(smsSlice(300)).toString('base64') };
  const { id: datasetId } = await callApi(workbench, 'importDataset', file, {}, datasetName);
  const base = { ...TINY, dataset: { source: datasetId } };
  const repeats = await callApi(workbench, 'createRuns', { base, vary: { learningRate: [1e-3, 3e-3] }, repeats: 3 });
  const grid = await callApi(workbench, 'createRuns', { base, vary: { trainable: ['all', 'head+norm', 'last-1'], dropout: [0, 0.1] } });
  const ids = [...repeats, ...grid].map((r) => r.id);
  await untilFinished(workbench, ids);
  return { datasetId, ids, groups: [repeats.slice(0, 3).map((r) => r.id), repeats.slice(3).map((r) => r.id)], grid: grid.map((r) => r.id) };
}

/** Polls until every run has ended; fails with the first run that did not finish. */
async function untilFinished(workbench: Workbench, ids: number[]): Promise<void> {
  for (;;) {
    const runs = (await callApi(workbench, 'listRuns')).filter((r) => ids.includes(r.id));
    const open = runs.filter((r) => r.status === 'queued' || r.status === 'running');
    if (open.length === 0) {
      const bad = runs.find((r: RunSummary) => r.status !== 'finished');
      if (bad) throw new Error(`run #${bad.id} ${bad.status}: ${bad.error}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Deletes the runs again: the server is shared with the other specs, which count the runs they see. */
export async function deleteRuns(workbench: Workbench, ids: number[]): Promise<void> {
  for (const id of ids) await callApi(workbench, 'deleteRun', id);
}
