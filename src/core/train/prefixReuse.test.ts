import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../common/runConfig.js';
import { PRESETS } from '../model/config.js';
import { prefixKeep, StoredDepths, type QueuedRun } from './prefixReuse.js';

const shape = PRESETS['gpt2-small'];
const run = (config: Record<string, unknown>, datasetHash = 'h1'): QueuedRun => ({
  config: RunConfigSchema.parse(config),
  datasetHash,
  shape,
});

/** Issue 18's grid in the order the service runs it: trainable head / last-1 / last-2 × dropout 0 / 0.1 (scope `all`). */
const grid = ['head', 'last-1', 'last-2'].flatMap((name) =>
  [0, 0.1].map((dropout) =>
    run({ trainable: name === 'head' ? { kind: 'head' } : { kind: 'last', blocks: Number(name.slice(5)) }, dropout }),
  ),
);

/** Each run's keep and what it reads, as the queue unfolds. */
function unfold(runs: QueuedRun[]) {
  const stored = new StoredDepths();
  return runs.map((r, i) => {
    const reuse = stored.reuseOf(r);
    const keep = prefixKeep(r, runs.slice(i + 1));
    stored.add(r, keep);
    return { keep, reuse };
  });
}

describe('prefix sharing in a queue', () => {
  it('the grid computes its prefix once and its dropped prefix once', () => {
    expect(unfold(grid)).toEqual([
      // head/0 (12 frozen) keeps the depths of last-1 and last-2 (11, 10); head/0.1 keeps a trail at 10 for the other dropout runs.
      { keep: { depths: [10, 11], trail: null }, reuse: { prefixFrom: 0, trailDepth: 0 } },
      { keep: { depths: [10, 11], trail: 10 }, reuse: { prefixFrom: 12, trailDepth: 0 } },
      { keep: { depths: [10], trail: null }, reuse: { prefixFrom: 11, trailDepth: 0 } },
      { keep: { depths: [10], trail: 10 }, reuse: { prefixFrom: 11, trailDepth: 10 } },
      { keep: { depths: [], trail: null }, reuse: { prefixFrom: 10, trailDepth: 0 } },
      { keep: { depths: [], trail: null }, reuse: { prefixFrom: 10, trailDepth: 10 } },
    ]);
  });

  it('in the other order each run reads the deepest depth stored below its own and computes the rest', () => {
    const reversed = unfold([...grid].reverse());
    expect(reversed.map((r) => r.reuse)).toEqual([
      { prefixFrom: 0, trailDepth: 0 }, // last-2/0.1 computes 10 blocks, keeps a trail there for the other dropout runs
      { prefixFrom: 10, trailDepth: 0 },
      { prefixFrom: 10, trailDepth: 10 },
      { prefixFrom: 11, trailDepth: 0 },
      { prefixFrom: 11, trailDepth: 11 }, // last-1/0.1 read the trail at 10 and kept one at 11 for head/0.1
      { prefixFrom: 12, trailDepth: 0 },
    ]);
    expect(reversed[0].keep).toEqual({ depths: [], trail: 10 });
  });

  it('shares only within what decides the rows: data, padding, seed, batch; trails also the dropout and its scope', () => {
    const base = run({ trainable: { kind: 'head' }, dropout: 0.1 });
    const others = [
      run({ trainable: { kind: 'last', blocks: 2 }, dropout: 0.1 }, 'h2'),
      run({ trainable: { kind: 'last', blocks: 2 }, dropout: 0.1, pooling: 'mean' }),
      run({ trainable: { kind: 'last', blocks: 2 }, dropout: 0.1, seed: 9 }),
      run({ trainable: { kind: 'last', blocks: 2 }, dropout: 0.1, batchSize: 16 }),
      run({ trainable: { kind: 'all' }, dropout: 0.1 }),
    ];
    expect(prefixKeep(base, others)).toEqual({ depths: [], trail: null });
    // The same prefix family: the learning rate, the epochs and LoRA's rank leave the rows alone.
    const same = run({ trainable: { kind: 'lora', rank: 8, alpha: 16, blocks: 3 }, learningRate: 1e-4, epochs: 2, dropout: 0.2 });
    expect(prefixKeep(base, [same])).toEqual({ depths: [9], trail: null }); // another dropout: no trail
    expect(prefixKeep(base, [{ ...same, config: { ...same.config, dropout: 0.1 } }])).toEqual({ depths: [9], trail: 9 });
    const trained = run({ trainable: { kind: 'last', blocks: 1 }, dropout: 0.1, dropoutScope: 'trained' });
    expect(prefixKeep(base, [trained])).toEqual({ depths: [11], trail: null });
    expect(prefixKeep(trained, [base])).toEqual({ depths: [], trail: null }); // its frozen blocks never drop
  });

  it('a trail deeper than the run itself is kept at its own depth', () => {
    const shallow = run({ trainable: { kind: 'last', blocks: 3 }, dropout: 0.1 });
    expect(prefixKeep(shallow, [run({ trainable: { kind: 'head' }, dropout: 0.1 })])).toEqual({ depths: [], trail: 9 });
  });
});
