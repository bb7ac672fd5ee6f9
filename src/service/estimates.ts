import type { RunConfig } from '../common/runConfig.js';
import { tokenize } from '../core/data/tokenizer.js';
import { runCost, type CostPath, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
import { countParameters } from '../core/model/trainable.js';
import { modelShape } from '../core/train/run.js';
import { splitKey } from './configFields.js';
import type { DatasetCatalog } from './datasets.js';
import type { RunStore } from './runStore.js';
import type { SplitMessages } from './splitMessages.js';

/** A finished run as the estimates learn from it. */
export interface Sample {
  cost: RunCost;
  seconds: number;
}

/** seconds ≈ overhead + flops / speed, for one training path. */
export interface SpeedFit {
  overhead: number;
  secondsPerFlop: number;
}

/** How much slower a tfjs training step is than an ONNX one (README: 2.8–3.0 s vs 0.33 s a step), for a path never measured. */
export const TFJS_SLOWDOWN = 9;
/** The most recent finished runs the fit reads. */
const SAMPLES = 50;

/** Least squares of seconds on flops; null where it cannot say (under two runs, alike runs, a negative overhead or slope). */
export function fitLine(samples: readonly Sample[]): SpeedFit | null {
  if (samples.length < 2) return null;
  const mx = sum(samples.map((s) => s.cost.flops)) / samples.length;
  const my = sum(samples.map((s) => s.seconds)) / samples.length;
  const sxx = sum(samples.map((s) => (s.cost.flops - mx) ** 2));
  if (sxx === 0) return null;
  const secondsPerFlop = sum(samples.map((s) => (s.cost.flops - mx) * (s.seconds - my))) / sxx;
  const overhead = my - secondsPerFlop * mx;
  return secondsPerFlop > 0 && overhead >= 0 ? { overhead, secondsPerFlop } : null;
}

/** One path's speed given the overhead (start-up, model build: the same on every path): the ratio of the rest. */
export function fitSpeed(samples: readonly Sample[], overhead: number): SpeedFit | null {
  if (samples.length === 0) return null;
  // A run shorter than the overhead still did its work: at least half its time counts as work.
  const work = sum(samples.map((s) => Math.max(s.seconds - overhead, s.seconds / 2)));
  return {
    overhead: Math.min(overhead, ...samples.map((s) => s.seconds / 2)),
    secondsPerFlop: work / sum(samples.map((s) => s.cost.flops)),
  };
}

/**
 * Per path: a line through its runs where they allow one, else its runs' ratio after the overhead another path's
 * line found; a path without runs borrows the other's speed scaled by TFJS_SLOWDOWN.
 */
export function fitPaths(samples: readonly Sample[]): Record<CostPath, SpeedFit | null> {
  const of = (path: CostPath) => samples.filter((s) => s.cost.path === path);
  const lines = { onnx: fitLine(of('onnx')), tfjs: fitLine(of('tfjs')) };
  const overhead = (lines.onnx ?? lines.tfjs)?.overhead ?? 0;
  const onnx = lines.onnx ?? fitSpeed(of('onnx'), overhead);
  const tfjs = lines.tfjs ?? fitSpeed(of('tfjs'), overhead);
  return {
    onnx: onnx ?? (tfjs && { overhead: tfjs.overhead, secondsPerFlop: tfjs.secondsPerFlop / TFJS_SLOWDOWN }),
    tfjs: tfjs ?? (onnx && { overhead: onnx.overhead, secondsPerFlop: onnx.secondsPerFlop * TFJS_SLOWDOWN }),
  };
}

export function predictSeconds(fits: Record<CostPath, SpeedFit | null>, cost: RunCost): number | null {
  const fit = fits[cost.path];
  return fit && fit.overhead + fit.secondsPerFlop * cost.flops;
}

/** Estimates for planned and queued runs from this machine's finished runs of any setting. */
export class Estimates {
  private readonly stats = new Map<string, Promise<SplitTokenStats>>();
  private readonly costs = new Map<number, RunCost | null>();

  constructor(
    private readonly store: RunStore,
    private readonly datasets: DatasetCatalog,
    private readonly messages: SplitMessages,
  ) {}

  /** Seconds for each (config, data set hash); null where nothing is measured yet or the data cannot be read. */
  async estimate(runs: { config: RunConfig; datasetHash: string }[]): Promise<(number | null)[]> {
    const fits = fitPaths(await this.samples());
    if (!fits.onnx && !fits.tfjs) return runs.map(() => null);
    return Promise.all(
      runs.map(async (r) => {
        const cost = await this.costOf(r.config, r.datasetHash);
        return cost && predictSeconds(fits, cost);
      }),
    );
  }

  private async samples(): Promise<Sample[]> {
    const finished = this.store
      .list()
      .filter((r) => r.status === 'finished' && r.restarts === 0 && (r.seconds ?? 0) > 0)
      .slice(-SAMPLES);
    const out: Sample[] = [];
    for (const r of finished) {
      if (!this.costs.has(r.id)) this.costs.set(r.id, await this.costOf(r.config, r.datasetHash));
      const cost = this.costs.get(r.id);
      if (cost) out.push({ cost, seconds: r.seconds! });
    }
    return out;
  }

  private async costOf(config: RunConfig, datasetHash: string): Promise<RunCost | null> {
    try {
      const shape = modelShape(config);
      const { trainable } = countParameters(shape, this.datasets.labelCount(config.dataset.source), config.trainable);
      return runCost(config, shape, await this.tokenStats(config, datasetHash), trainable);
    } catch {
      return null; // a deleted data set, or the built-in one not downloaded yet
    }
  }

  private tokenStats(config: RunConfig, datasetHash: string): Promise<SplitTokenStats> {
    const key = splitKey(config, datasetHash);
    let stats = this.stats.get(key);
    if (!stats) {
      stats = this.measure(key, this.datasets.resolve(config));
      this.stats.set(key, stats);
      stats.catch(() => this.stats.delete(key));
    }
    return stats;
  }

  private async measure(key: string, config: RunConfig): Promise<SplitTokenStats> {
    const lengths = async (split: 'train' | 'val' | 'test') =>
      (await this.messages.of(key, config, split)).map((row) => tokenize(row.text).length);
    const [train, val, test] = [await lengths('train'), await lengths('val'), await lengths('test')];
    const all = [...train, ...val, ...test];
    return {
      count: { train: train.length, val: val.length, test: test.length },
      longest: train.reduce((m, n) => Math.max(m, n), 1),
      mean: all.length ? sum(all) / all.length : 1,
    };
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
