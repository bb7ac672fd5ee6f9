import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import { initBackend } from '../src/core/model/backend.js';
import { trainClassifier, TrainingCancelled, type LoopOptions, type TrainEvent } from '../src/core/train/loop.js';
import { clearStore, evict, PrefixStore, storeUsage, type PrefixKeep, type PrefixStoreUse } from '../src/core/train/prefixStore.js';
import { TrailReader, TrailWriter, type TrailHeader } from '../src/core/train/prefixTrail.js';
import { buildClassifier, modelShape, prepareData, prefixStoreUse } from '../src/core/train/run.js';
import { RunTrails } from '../src/core/train/trailStore.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/*
 * Trails of the dropped prefix (dropout scope `all`) in the prefix store: the file format with real files, and whole
 * seeded dropout runs (a small random-weights GPT-2 on a slice of the real SMS data, ../shared) on ONNX Runtime.
 */

const dir = tempDir('wb-prefix-trail-');
const slice = path.join(dir, 'sms-slice.tsv');

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  writeFileSync(slice, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 500).join('\n'));
});

const trailFiles = (storeDir: string) => readdirSync(storeDir).filter((n) => /\.trail$/.test(n));

describe('the trail file', () => {
  const WIDTH = 3;
  const ROWS = [4, 2, 4, 4, 1];
  const header = (key: string): TrailHeader => ({ key, parts: { kind: 'trail' }, dtype: 'float32-le', width: WIDTH, rows: ROWS });
  const stepRows = (s: number) => Float32Array.from({ length: ROWS[s] * WIDTH }, (_, i) => s * 100 + i + 0.5);
  const expected = (key: string, rows = ROWS) => ({ key, width: WIDTH, rows });

  async function written(name: string, steps = ROWS.length): Promise<string> {
    const file = path.join(dir, name);
    const writer = await TrailWriter.create(file, header(name));
    for (let s = 0; s < steps; s++) await writer.append(stepRows(s));
    expect(existsSync(file)).toBe(false); // in its temp file until finished
    expect(readdirSync(dir)).toContain(`${name}.tmp-${process.pid}`);
    await writer.finish();
    expect(readdirSync(dir)).not.toContain(`${name}.tmp-${process.pid}`);
    return file;
  }

  async function opened(file: string, key = path.basename(file), rows = ROWS): Promise<TrailReader> {
    const opening = await TrailReader.open(file, expected(key, rows));
    if (!('reader' in opening)) throw new Error(`not opened: ${opening.problem}`);
    return opening.reader;
  }

  it('reads back every step as written, in any order', async () => {
    const reader = await opened(await written('whole'));
    expect(reader.steps).toBe(5);
    for (const s of [3, 0, 4, 1, 2]) expect(await reader.read(s)).toEqual({ rows: stepRows(s) });
    expect(await reader.read(5)).toBeNull();
    await reader.close();
  });

  it('an early-stopped writer says how many steps it wrote; a shorter plan reads the first steps of a longer trail', async () => {
    const reader = await opened(await written('stopped', 3));
    expect(reader.steps).toBe(3);
    expect(await reader.read(2)).toEqual({ rows: stepRows(2) });
    expect(await reader.read(3)).toBeNull();
    await reader.close();
    const shorter = await opened(await written('longer'), 'longer', ROWS.slice(0, 2));
    expect(await shorter.read(1)).toEqual({ rows: stepRows(1) });
    await shorter.close();
  });

  it('a damaged step is found when it is read: the steps before it read fine', async () => {
    const file = await written('damaged');
    const bytes = readFileSync(file);
    const step3 = bytes.length - 32 - ROWS[4] * WIDTH * 4 - 32 - 5; // inside step 3's floats
    bytes[step3] ^= 0x40;
    writeFileSync(file, bytes);
    const reader = await opened(file);
    for (const s of [0, 1, 2, 4]) expect(await reader.read(s)).toEqual({ rows: stepRows(s) });
    expect(await reader.read(3)).toEqual({ problem: 'step 3 fails its checksum' });
    await reader.close();
  });

  it.each([
    ['truncated', (file: string) => truncateSync(file, statSync(file).size - 7), /bytes where .* were written/],
    ['foreign', () => {}, /another key/],
    ['misshapen', () => {}, /other shapes/],
    ['non-trail', (file: string) => writeFileSync(file, 'SWPREFIX, a prefix entry, not a trail'), /not a trail/],
  ])('a %s file does not open, and says why', async (what, spoil, problem) => {
    const file = await written(`spoilt-${what}`);
    spoil(file);
    const key = what === 'foreign' ? 'another' : path.basename(file);
    const rows = what === 'misshapen' ? [4, 3] : ROWS;
    const opening = await TrailReader.open(file, expected(key, rows));
    expect('problem' in opening && opening.problem).toMatch(problem);
  });

  it('the store counts trails beside entries, evicts a dead writer’s temp file but not a live one’s, and clears them', async () => {
    const storeDir = path.join(dir, 'store-files');
    await mkdir(storeDir);
    const key = (c: string) => c.repeat(64);
    await writeFile(path.join(storeDir, `${key('a')}.trail`), Buffer.alloc(100));
    await writeFile(path.join(storeDir, `${key('b')}.prefix`), Buffer.alloc(50));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no live process (nor soon a reused one)
    await writeFile(path.join(storeDir, `${key('c')}.trail.tmp-${dead}`), Buffer.alloc(10));
    await writeFile(path.join(storeDir, `${key('d')}.trail.tmp-${process.pid}`), Buffer.alloc(10));
    expect(await storeUsage(storeDir)).toEqual({ entries: 2, bytes: 150 });
    await evict(storeDir, 2 ** 30);
    expect(readdirSync(storeDir).sort()).toEqual([`${key('a')}.trail`, `${key('b')}.prefix`, `${key('d')}.trail.tmp-${process.pid}`]);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(path.join(storeDir, `${key('a')}.trail`), longAgo, longAgo);
    await evict(storeDir, 60); // least recently used first: the trail
    expect(readdirSync(storeDir).sort()).toEqual([`${key('b')}.prefix`, `${key('d')}.trail.tmp-${process.pid}`]);
    await clearStore(storeDir);
    expect(readdirSync(storeDir)).toEqual([]);
  });
});

describe('a run’s trails in the store', () => {
  const model = modelShape(RunConfigSchema.parse(tinyConfig()));
  const settings = { seed: 1, batchSize: 2, dropout: 0.1, padding: { pooling: 'last-token', padLength: 4, padding: 'trim' } } as const;
  const use = (storeDir: string, lines: string[], capBytes = 2 ** 30): PrefixStoreUse => ({
    store: new PrefixStore({ dir: storeDir, capBytes, log: (l) => lines.push(l) }),
    source: async () => ({ weights: 'random:1', data: 'test' }),
    keep: { depths: [], trail: null },
  });
  const rows = [8, 6];
  const step = (d: number, s: number) => new Float32Array(rows[s] * model.nEmbd).fill(d * 10 + s);

  it('a reader finds the deepest trail at most its frozen depth; one larger than the cap is not written', async () => {
    const storeDir = path.join(dir, 'store-trails');
    const lines: string[] = [];
    const trails = await RunTrails.of(use(storeDir, lines), model, [], settings, rows);
    for (const depth of [1, 3]) {
      const write = (await trails.write(depth))!;
      for (const s of [0, 1]) await write.append(s, step(depth, s));
      expect(await write.end()).toEqual({ depth, source: 'written' });
    }
    expect(trailFiles(storeDir)).toHaveLength(2);
    expect(await trails.deepest(0)).toBeNull();
    for (const [k, depth] of [
      [2, 1],
      [3, 3],
      [5, 3],
    ]) {
      const read = (await trails.deepest(k))!;
      expect(read.depth).toBe(depth);
      expect(await read.step(1)).toEqual(step(depth, 1));
      expect(await read.end()).toEqual({ depth, source: 'read' });
    }
    expect(lines.filter((l) => l.startsWith('prefix store: stored trail'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('prefix store: read the dropped prefix of 1 steps'))).toHaveLength(3);

    const tight = await RunTrails.of(use(storeDir, lines, 1000), model, [], settings, rows);
    expect(await tight.write(2)).toBeNull();
    expect(lines.at(-1)).toMatch(/the trail at depth 2 .* is not stored: it is larger than the store's cap/);
  });
});

/** A seeded dropout run in scope `all` that trains in a second or two: 4 blocks, the first 3 frozen by default. */
function tinyConfig(extra: RunConfigInput = {}): RunConfigInput {
  return {
    dataset: { source: slice, delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 },
    model: { preset: 'custom', custom: { nLayer: 4, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable: { kind: 'last', blocks: 1 },
    dropout: 0.1,
    dropoutScope: 'all',
    pooling: 'last-token',
    learningRate: 1e-3,
    epochs: 2,
    batchSize: 8,
    maxLength: 48,
    evalEvery: 5,
    evalBatches: 1,
    ...extra,
  };
}

/** A whole run (data, model, loop) with the store at `storeDir` keeping `keep`, or none; its outcome, trained weights and store log. */
async function train(extra: RunConfigInput, store: { dir: string; keep?: PrefixKeep } | null, options: LoopOptions = {}) {
  const config = RunConfigSchema.parse(tinyConfig(extra));
  const data = await prepareData(config, modelShape(config).nPositions);
  const { model, base, weightsFile } = await buildClassifier(config, data.dataset.labels.length);
  const lines: string[] = [];
  const storeOptions = store && { dir: store.dir, capBytes: 2 ** 30, keep: store.keep, log: (l: string) => lines.push(l) };
  try {
    const outcome = await trainClassifier(model, config, data, {
      ...options,
      prefixStore: storeOptions ? prefixStoreUse(storeOptions, config, data.dataset, base, weightsFile) : undefined,
    });
    const weights = await Promise.all(model.trainableVariables().map(async (v) => Array.from(await v.data())));
    return { outcome, weights, lines };
  } finally {
    model.dispose();
  }
}

type Trained = Awaited<ReturnType<typeof train>>;

/** Two runs gave the same numbers, bit for bit: every loss and accuracy of the curves, the final metrics with every prediction, the weights. */
function expectIdentical(a: Trained, b: Trained): void {
  expect(a.outcome.history).toEqual(b.outcome.history);
  expect(a.outcome.final).toEqual(b.outcome.final);
  expect(a.weights).toEqual(b.weights);
}

describe('runs that share a trail', () => {
  const storeDir = path.join(dir, 'store-runs');
  const reader = { trainable: { kind: 'last', blocks: 2 } } as const; // frozen depth 2
  let alone: Trained; // the reader's run without a store

  it('a run keeps a trail at depth 1; a run with another trainable selection reads it and ends exactly as with no store', async () => {
    const writer = await train({}, { dir: storeDir, keep: { depths: [], trail: 1 } });
    expect(writer.outcome.trainStep.path).toBe('onnx');
    expect(writer.outcome.prefixCache).toMatchObject({ k: 3, trail: { depth: 1, source: 'written' } });
    expect(writer.lines.filter((l) => l.startsWith('prefix store: stored trail'))).toHaveLength(1);
    expect(trailFiles(storeDir)).toHaveLength(1);
    expectIdentical(writer, await train({}, null)); // split at depth 1 = whole

    alone = await train(reader, null);
    const read = await train(reader, { dir: storeDir });
    expect(read.outcome.prefixCache).toMatchObject({ k: 2, trail: { depth: 1, source: 'read' } });
    const steps = read.outcome.steps;
    expect(read.lines).toContain(
      `prefix store: read the dropped prefix of ${steps} steps at depth 1 from trail ${trailFiles(storeDir)[0].slice(0, 12)}`,
    );
    expectIdentical(read, alone);
    expect(alone.outcome.prefixCache?.trail).toBeUndefined();
  });

  it('a run resumed from its checkpoint reads the trail from where it resumes, and ends as the uninterrupted run', async () => {
    const checkpointDir = path.join(dir, 'checkpoint');
    const controller = new AbortController();
    const onEvent = (e: TrainEvent) => e.kind === 'step' && e.epoch === 1 && controller.abort();
    const store = { dir: storeDir };
    await expect(train(reader, store, { checkpointDir, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TrainingCancelled);
    const resumed = await train(reader, store, { checkpointDir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(resumed.outcome.prefixCache?.trail).toEqual({ depth: 1, source: 'read' });
    expectIdentical(resumed, alone);
    expect(readdirSync(storeDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('a trail damaged mid-file: the run reads it up to the damage, computes the rest, ends identical, and logs one line', async () => {
    const file = path.join(storeDir, trailFiles(storeDir)[0]);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length * 0.6)] ^= 0x01;
    writeFileSync(file, bytes);
    const read = await train(reader, { dir: storeDir });
    expect(read.lines.filter((l) => l.includes('unusable'))).toEqual([
      expect.stringMatching(/computing the dropped prefix from step \d+ on$/),
    ]);
    expect(read.outcome.prefixCache?.trail).toEqual({ depth: 1, source: 'read' });
    expectIdentical(read, alone);
    expect(trailFiles(storeDir)).toEqual([]); // removed: the next run writing one stores it whole again
  });

  it('an early-stopped run keeps the steps it ran; a run of more epochs reads them, computes the rest, and ends as with no store', async () => {
    const stopDir = path.join(dir, 'store-stopped');
    const stops = { epochs: 4, earlyStopping: { patience: 1, minDelta: 100 } } as const; // stops after its second epoch
    const writer = await train(stops, { dir: stopDir, keep: { depths: [], trail: 1 } });
    expect(writer.outcome.stoppedEarly).toBe(true);
    expect(writer.outcome.prefixCache?.trail).toEqual({ depth: 1, source: 'written' });
    const stored = new RegExp(`^prefix store: stored trail [0-9a-f]{12} of ${writer.outcome.steps} steps at depth 1 `);
    expect(writer.lines).toContainEqual(expect.stringMatching(stored));

    const longer = { ...reader, epochs: 3 } as const;
    const read = await train(longer, { dir: stopDir });
    expect(read.outcome.steps).toBe((writer.outcome.steps / 2) * 3);
    expect(read.lines).toContainEqual(expect.stringContaining(`read the dropped prefix of ${writer.outcome.steps} steps at depth 1`));
    expectIdentical(read, await train(longer, null));
  });

  it('a run cancelled while writing its trail leaves no file behind; resumed, it writes none (a trail holds every step from the first)', async () => {
    const cancelDir = path.join(dir, 'store-cancel');
    const checkpointDir = path.join(dir, 'checkpoint-cancel');
    const controller = new AbortController();
    let writing: string[] = [];
    const onEvent = (e: TrainEvent) => {
      if (e.kind !== 'step' || e.epoch !== 1) return;
      writing = readdirSync(cancelDir).filter((n) => n.endsWith(`.trail.tmp-${process.pid}`));
      controller.abort();
    };
    const store = { dir: cancelDir, keep: { depths: [], trail: 2 } };
    const cancelled = train({}, store, { checkpointDir, signal: controller.signal, onEvent });
    await expect(cancelled).rejects.toBeInstanceOf(TrainingCancelled);
    expect(writing).toHaveLength(1);
    expect(readdirSync(cancelDir).filter((n) => !n.endsWith('.prefix'))).toEqual([]);

    const resumed = await train({}, store, { checkpointDir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(resumed.outcome.prefixCache?.trail).toBeUndefined();
    expect(readdirSync(cancelDir).filter((n) => !n.endsWith('.prefix'))).toEqual([]);
  });
  it('a run reading a trail and asked for a deeper one keeps that too; a deeper run reads the deeper one and ends as with no store', async () => {
    const chainDir = path.join(dir, 'store-chain');
    await train({ trainable: { kind: 'last', blocks: 3 } }, { dir: chainDir, keep: { depths: [], trail: 1 } }); // k = 1: writes at 1
    const middle = await train(reader, { dir: chainDir, keep: { depths: [], trail: 2 } }); // k = 2: reads 1, keeps 2
    expect(middle.outcome.prefixCache?.trail).toEqual({ depth: 1, source: 'read' });
    expect(middle.lines).toContainEqual(expect.stringMatching(/^prefix store: stored trail [0-9a-f]{12} of \d+ steps at depth 2 /));
    expectIdentical(middle, alone);
    const deeper = await train({}, { dir: chainDir }); // k = 3: reads 2
    expect(deeper.outcome.prefixCache?.trail).toEqual({ depth: 2, source: 'read' });
    expectIdentical(deeper, await train({}, null));
  });
});
