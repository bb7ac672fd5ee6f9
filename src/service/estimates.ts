import { Matrix, solve } from 'ml-matrix';
import type { RunConfig } from '../common/runConfig.js';
import { tokenize } from '../core/data/tokenizer.js';
import { initInference } from '../core/model/inference.js';
import { prefixIdentity, runCost, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
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

/** seconds ≈ overhead + onnx·FLOPs (on that path) + tfjs·FLOPs (on that path) + update·parameter updates + mask·mask values. */
export interface SpeedFit {
  overhead: number;
  onnx: number;
  tfjs: number;
  update: number;
  mask: number;
}

/**
 * Where the fit starts before this machine has a say, from the speeds measured for DESIGN.md and the README: process
 * start and model build ~2 s, ~25 GFLOP/s on the ONNX path, tfjs about nine times slower, ~4 ns a parameter update
 * (the AdamW kernel's pass, 3.5 ns a weight, and the gradient out of ONNX Runtime; it was 10 ns with a JS pass), ~25 ns
 * a dropout mask value (its drawing, feeding and the graph's ops where it drops: set at ~40 ns by the dropout runs of
 * `bench --estimates` when the masks' JS generator took 16 ns a value; its WebAssembly kernel takes ~1 ns).
 */
export const PRIOR: SpeedFit = { overhead: 2, onnx: 1 / 25e9, tfjs: 9 / 25e9, update: 4e-9, mask: 25e-9 };
/** How strongly the fit keeps to PRIOR: a 100% change of one speed costs as much as a 7% miss on one run. */
const RIDGE = 0.005;
/** The most recent finished runs the fit reads. */
const SAMPLES = 50;

const TERMS = ['overhead', 'onnx', 'tfjs', 'update', 'mask'] as const;

function features(cost: RunCost): Record<keyof SpeedFit, number> {
  const flops = (path: RunCost['path']) => (cost.path === path ? cost.flops : 0);
  return { overhead: 1, onnx: flops('onnx'), tfjs: flops('tfjs'), update: cost.updates, mask: cost.masks };
}

export function predictSeconds(fit: SpeedFit, cost: RunCost): number {
  const x = features(cost);
  return TERMS.reduce((s, k) => s + fit[k] * x[k], 0);
}

/**
 * Least squares on relative errors (a minute's run counts as much as an hour's), each term a multiple (1 + δ) of
 * PRIOR with a ridge on δ: runs that say nothing about a term (no tfjs run yet) leave it at its prior, and a
 * few runs of any setting move every term they touch. Null before any run has finished.
 */
export function fitSpeeds(samples: readonly Sample[]): SpeedFit | null {
  if (samples.length === 0) return null;
  const z = samples.map((s) => TERMS.map((k) => (features(s.cost)[k] * PRIOR[k]) / s.seconds));
  const r = samples.map((s) => (s.seconds - predictSeconds(PRIOR, s.cost)) / s.seconds);
  const zt = new Matrix(z).transpose();
  const lhs = zt.mmul(new Matrix(z)).add(Matrix.eye(TERMS.length).mul(RIDGE));
  const delta = solve(lhs, zt.mmul(Matrix.columnVector(r))).to1DArray();
  // A term pushed below a twentieth of its prior is noise fitted, not a machine 20× faster.
  return Object.fromEntries(TERMS.map((k, i) => [k, PRIOR[k] * Math.max(0.05, 1 + delta[i])])) as unknown as SpeedFit;
}

/** Estimates for planned and queued runs from this machine's finished runs of any setting. */
export class Estimates {
  private readonly stats = new Map<string, Promise<SplitTokenStats>>();
  private readonly costs = new Map<number, RunCost | null>();
  /** Finished runs' prefix identities (null: no prefix). */
  private readonly finishedPrefixes = new Map<number, string | null>();

  constructor(
    private readonly store: RunStore,
    private readonly datasets: DatasetCatalog,
    private readonly messages: SplitMessages,
  ) {}

  /**
   * Seconds for each (config, data set hash), in the order they will run; null where nothing is measured yet or the
   * data cannot be read. A run whose frozen prefix a finished run stored, or an earlier one of these will, reads it.
   */
  async estimate(runs: { config: RunConfig; datasetHash: string }[]): Promise<(number | null)[]> {
    // getRun, Compare and export ask for their finished runs too: nothing to estimate, no fit to make.
    if (runs.length === 0) return [];
    const fit = fitSpeeds(await this.samples());
    if (!fit) return runs.map(() => null);
    const stored = this.storedPrefixes();
    const out: (number | null)[] = [];
    for (const r of runs) {
      const identity = this.prefixIdentityOf(r.config, r.datasetHash);
      const cost = await this.costOf(r.config, r.datasetHash, identity !== null && stored.has(identity) ? 'stored' : 'computed');
      if (identity !== null) stored.add(identity);
      out.push(cost && predictSeconds(fit, cost));
    }
    return out;
  }

  /**
   * The prefix identities of finished runs that had a prefix (its store entry exists, unless evicted since) and of
   * the running ones (it will by the time a queued run starts).
   */
  private storedPrefixes(): Set<string> {
    const identities = this.store.list().map((r) => {
      if (r.status === 'running') return this.prefixIdentityOf(r.config, r.datasetHash);
      if (r.status !== 'finished') return null;
      // A finished run's identity never changes: worked out once, not at every estimate.
      if (!this.finishedPrefixes.has(r.id))
        this.finishedPrefixes.set(r.id, this.store.prefixCache(r.id) ? this.prefixIdentityOf(r.config, r.datasetHash) : null);
      return this.finishedPrefixes.get(r.id)!;
    });
    return new Set(identities.filter((id) => id !== null));
  }

  private prefixIdentityOf(config: RunConfig, datasetHash: string): string | null {
    try {
      return prefixIdentity(config, modelShape(config), datasetHash);
    } catch {
      return null;
    }
  }

  private async samples(): Promise<Sample[]> {
    const finished = this.store
      .list()
      .filter((r) => r.status === 'finished' && r.restarts === 0 && (r.seconds ?? 0) > 0)
      .slice(-SAMPLES);
    const out: Sample[] = [];
    for (const r of finished) {
      if (!this.costs.has(r.id)) {
        const prefix = this.store.prefixCache(r.id)?.source === 'store' ? 'stored' : 'computed';
        this.costs.set(r.id, await this.costOf(r.config, r.datasetHash, prefix));
      }
      const cost = this.costs.get(r.id);
      if (cost) out.push({ cost, seconds: r.seconds! });
    }
    return out;
  }

  private async costOf(config: RunConfig, datasetHash: string, prefix: 'computed' | 'stored'): Promise<RunCost | null> {
    try {
      const shape = modelShape(config);
      const { trainable } = this.datasets.parameters(config, config.dataset.source, shape);
      return runCost(config, shape, await this.tokenStats(config, datasetHash), trainable, (await initInference()).inference, prefix);
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
