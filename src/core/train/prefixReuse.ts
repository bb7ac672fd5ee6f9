import type { RunConfig } from '../../common/runConfig.js';
import type { GPT2Config } from '../model/config.js';
import type { PrefixKeep } from './prefixStore.js';
import { frozenBlocks, NO_REUSE, type PrefixReuse } from './runCost.js';
import { modelShape } from './run.js';
import { frozenPrefixDrops } from './schedule.js';

/*
 * Which frozen prefixes runs in a queue share through the prefix store, as far as their configs tell (the store's keys
 * add the weights' and examples' hashes, which these decide). Runs of one family compute the same hidden states after
 * any depth both freeze: a run reads the deepest depth the store has at or below its own and computes the rest; it
 * keeps the shallower depths later runs of its family read; and in dropout scope `all`, whose frozen blocks drop at
 * every step, runs of one trail family (the same dropout too) draw the same masks and batches, so one keeps a trail of
 * its per-step hidden states at the shallowest depth later ones freeze.
 */

export interface QueuedRun {
  config: RunConfig;
  datasetHash: string;
  shape: GPT2Config;
}

/** A run as prefix sharing sees it; null when its model does not parse. */
export function queuedRun(config: RunConfig, datasetHash: string): QueuedRun | null {
  try {
    return { config, datasetHash, shape: modelShape(config) };
  } catch {
    return null;
  }
}

interface Sharing {
  family: string;
  depth: number;
  /** Null unless the run's frozen blocks drop (scope `all` with dropout). */
  trailFamily: string | null;
}

function sharingOf(run: QueuedRun): Sharing | null {
  const depth = frozenBlocks(run.config, run.shape);
  if (depth === 0) return null;
  const { model, dataset, maxLength, seed, splitSeed, batchSize } = run.config;
  const rows = run.config.pooling === 'last-position' ? 'padded' : 'real lengths';
  const family = JSON.stringify({ model, datasetHash: run.datasetHash, dataset, maxLength, seed, splitSeed, batchSize, rows });
  return { family, depth, trailFamily: frozenPrefixDrops(run.config) ? JSON.stringify([family, run.config.dropout]) : null };
}

/** What `run` keeps for the runs queued after it (`later`, in the order they run). */
export function prefixKeep(run: QueuedRun, later: readonly QueuedRun[]): PrefixKeep {
  const own = sharingOf(run);
  if (!own) return { depths: [], trail: null };
  const others = later.map(sharingOf).filter((s) => s !== null);
  const depths = others.filter((s) => s.family === own.family && s.depth < own.depth).map((s) => s.depth);
  const trailDepths = own.trailFamily ? others.filter((s) => s.trailFamily === own.trailFamily).map((s) => s.depth) : [];
  return {
    depths: [...new Set(depths)].sort((a, b) => a - b),
    trail: trailDepths.length > 0 ? Math.min(own.depth, ...trailDepths) : null,
  };
}

/** The depths the store holds as runs of a queue finish, for pricing the runs after them. */
export class StoredDepths {
  private readonly prefixes = new Map<string, Set<number>>();
  private readonly trails = new Map<string, Set<number>>();

  /** A run's prefix at `depth` (and the shallower `kept` ones) is stored, and its trail at `trail`, if any. */
  add(run: QueuedRun, keep: PrefixKeep): void {
    const s = sharingOf(run);
    if (!s) return;
    for (const depth of [s.depth, ...keep.depths]) at(this.prefixes, s.family).add(depth);
    if (s.trailFamily && keep.trail !== null) at(this.trails, s.trailFamily).add(keep.trail);
  }

  /** What `run` would read now: the deepest stored prefix and trail at or below its depth. */
  reuseOf(run: QueuedRun): PrefixReuse {
    const s = sharingOf(run);
    if (!s) return NO_REUSE;
    const deepest = (depths: Set<number> | undefined) => Math.max(0, ...[...(depths ?? [])].filter((d) => d <= s.depth));
    return { prefixFrom: deepest(this.prefixes.get(s.family)), trailDepth: s.trailFamily ? deepest(this.trails.get(s.trailFamily)) : 0 };
  }
}

function at(map: Map<string, Set<number>>, key: string): Set<number> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
