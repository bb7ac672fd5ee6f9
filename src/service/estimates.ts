import { Matrix, solve } from 'ml-matrix';
import type { RunConfig } from '../common/runConfig.js';
import { tokenize } from '../core/data/tokenizer.js';
import { initInference } from '../core/model/inference.js';
import type { PrefixCacheRecord } from '../common/api.js';
import { prefixKeep, queuedRun, StoredDepths, type QueuedRun } from '../core/train/prefixReuse.js';
import { NO_REUSE, runCost, type PrefixReuse, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
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
  /** Finished runs as the prefix store saw them: null for none with a prefix (or a model that no longer parses). */
  private readonly finishedPrefixes = new Map<number, { run: QueuedRun; record: PrefixCacheRecord } | null>();

  constructor(
    private readonly store: RunStore,
    private readonly datasets: DatasetCatalog,
    private readonly messages: SplitMessages,
  ) {}

  /**
   * Seconds for each (config, data set hash), in the order they will run; null where nothing is measured yet or the
   * data cannot be read. A run reads the frozen prefix depths (and dropped-prefix trails) that finished runs stored,
   * or that running and earlier ones of these will, as the queue shares them (prefixReuse.ts).
   */
  async estimate(runs: { config: RunConfig; datasetHash: string }[]): Promise<(number | null)[]> {
    // getRun, Compare and export ask for their finished runs too: nothing to estimate, no fit to make.
    if (runs.length === 0) return [];
    const fit = fitSpeeds(await this.samples());
    if (!fit) return runs.map(() => null);
    const queued = runs.map((r) => queuedRun(r.config, r.datasetHash));
    const stored = this.storedDepths(queued.filter((q) => q !== null));
    const out: (number | null)[] = [];
    for (const [i, r] of runs.entries()) {
      const q = queued[i];
      const reuse = q ? stored.reuseOf(q) : NO_REUSE;
      if (q)
        stored.add(
          q,
          prefixKeep(
            q,
            queued.slice(i + 1).filter((later) => later !== null),
          ),
        );
      const cost = await this.costOf(r.config, r.datasetHash, reuse);
      out.push(cost && predictSeconds(fit, cost));
    }
    return out;
  }

  /**
   * The depths the store holds when the first of `queued` starts: what finished runs stored (their prefix, the trail
   * one wrote), and what running ones will have stored, keeping for the queue what it reads.
   */
  private storedDepths(queued: QueuedRun[]): StoredDepths {
    const stored = new StoredDepths();
    for (const r of this.store.list()) {
      if (r.status === 'running') {
        const q = queuedRun(r.config, r.datasetHash);
        if (q) stored.add(q, prefixKeep(q, queued));
      } else if (r.status === 'finished') {
        const found = this.finishedPrefix(r.id, r.config, r.datasetHash);
        if (found) stored.add(found.run, { depths: [], trail: found.record.trail?.source === 'written' ? found.record.trail.depth : null });
      }
    }
    return stored;
  }

  /** A finished run's record never changes: worked out once, not at every estimate. */
  private finishedPrefix(id: number, config: RunConfig, datasetHash: string) {
    if (!this.finishedPrefixes.has(id)) {
      const record = this.store.prefixCache(id);
      const run = record && queuedRun(config, datasetHash);
      this.finishedPrefixes.set(id, record && run ? { run, record } : null);
    }
    return this.finishedPrefixes.get(id)!;
  }

  private async samples(): Promise<Sample[]> {
    const finished = this.store
      .list()
      .filter((r) => r.status === 'finished' && r.restarts === 0 && (r.seconds ?? 0) > 0)
      .slice(-SAMPLES);
    const out: Sample[] = [];
    for (const r of finished) {
      if (!this.costs.has(r.id)) {
        this.costs.set(r.id, await this.costOf(r.config, r.datasetHash, reuseOf(this.store.prefixCache(r.id))));
      }
      const cost = this.costs.get(r.id);
      if (cost) out.push({ cost, seconds: r.seconds! });
    }
    return out;
  }

  private async costOf(config: RunConfig, datasetHash: string, reuse: PrefixReuse): Promise<RunCost | null> {
    try {
      const shape = modelShape(config);
      const { trainable } = this.datasets.parameters(config, config.dataset.source, shape);
      return runCost(config, shape, await this.tokenStats(config, datasetHash), trainable, (await initInference()).inference, reuse);
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

/** What a finished run read rather than computed, as its record says. */
function reuseOf(record: PrefixCacheRecord | null): PrefixReuse {
  if (!record) return NO_REUSE;
  return {
    prefixFrom: record.source === 'store' ? record.k : (record.from ?? 0),
    trailDepth: record.trail?.source === 'read' ? record.trail.depth : 0,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
