import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunGrid } from '../../common/api.js';
import { createWorkbenchService, type WorkbenchService } from '../../service/workbenchService.js';

/*
 * How well the workbench predicts run times (issue: estimates within ±30%): one calibration run, then a grid of
 * six settings over two training paths, each estimated twice — when planned (from the calibration run alone) and
 * as the queued run's ETA just before it starts (from every run finished by then) — and then measured.
 */

const MODEL = { preset: 'custom', custom: { nLayer: 4, nEmbd: 128, nHead: 4, nPositions: 256 }, weights: 'random' };
const BASE = {
  dataset: { source: 'sms-spam-book' },
  model: MODEL,
  pooling: 'last-token',
  learningRate: 5e-4,
  epochs: 1,
  evalEvery: 50,
  evalBatches: 2,
};
const CALIBRATION: RunGrid = { base: { ...BASE, trainable: 'last-1' } };
const GRID: RunGrid = { base: BASE, vary: { trainable: ['last-1', 'last-2', 'all'], dropout: [0, 0.1] } };

export interface EstimateFigure {
  name: string;
  plannedSeconds: number | null;
  etaSeconds: number | null;
  seconds: number;
  /** (estimate − actual) / actual. */
  plannedError: number | null;
  etaError: number | null;
}

export async function estimateBench(cacheDir: string | undefined, note: (text: string) => void) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-estimates-'));
  const service = await createWorkbenchService({ dataDir, cacheDir, autoStart: false });
  try {
    note('estimates: a calibration run');
    await service.createRuns(CALIBRATION);
    service.startQueue();
    await service.whenIdle();
    await service.setQueuePaused(true);
    const planned = await service.planRuns(GRID);
    const created = await service.createRuns(GRID);
    const figures: EstimateFigure[] = [];
    for (const [i, run] of created.entries()) {
      const eta = (await service.listRuns()).find((r) => r.id === run.id)!.estimatedSeconds;
      note(`estimates: ${run.name} (planned ${fmt(planned[i].estimatedSeconds)}, ETA ${fmt(eta)})`);
      await runNext(service, run.id);
      const { seconds, status, error } = await service.getRun(run.id);
      if (status !== 'finished') throw new Error(`bench: run ${run.name} ${status}: ${error}`);
      figures.push({
        name: run.name,
        plannedSeconds: planned[i].estimatedSeconds,
        etaSeconds: eta,
        seconds: seconds!,
        plannedError: relative(planned[i].estimatedSeconds, seconds!),
        etaError: relative(eta, seconds!),
      });
    }
    const worst = (pick: (f: EstimateFigure) => number | null) => Math.max(...figures.map((f) => Math.abs(pick(f) ?? Infinity)));
    return { runs: figures, maxAbsError: { planned: round(worst((f) => f.plannedError)), eta: round(worst((f) => f.etaError)) } };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Lets the paused queue start exactly one run, and waits for it to end. */
async function runNext(service: WorkbenchService, id: number): Promise<void> {
  const started = new Promise<void>((resolve) => {
    const off = service.onEvent((e) => {
      if (e.type === 'run-status' && e.runId === id && e.status === 'running') {
        off();
        resolve();
      }
    });
  });
  await service.setQueuePaused(false);
  await started;
  await service.setQueuePaused(true);
  await service.whenIdle();
}

const relative = (estimate: number | null, actual: number) => (estimate === null ? null : round((estimate - actual) / actual));
const round = (x: number) => Math.round(x * 1000) / 1000;
const fmt = (s: number | null) => (s === null ? 'none' : `${s.toFixed(1)} s`);
