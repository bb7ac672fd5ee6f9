import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import { initBackend } from '../src/core/model/backend.js';
import { runTraining, type RunResult } from '../src/core/train/run.js';
import { diskProblem, PrefixStore, STORE_DISK_MARGIN, storeUsage, type PrefixKeyParts } from '../src/core/train/prefixStore.js';
import { rowsDigest, type FillerMessage } from './support/prefixRows.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/* The prefix store with real files: whole runs (a tiny random-weights GPT-2 on a slice of the real SMS data) and two real processes. */

const dir = tempDir('wb-prefix-store-');
const slice = path.join(dir, 'sms-slice.tsv');
const TS_CHILD = path.join(import.meta.dirname, 'support/tsChild.mjs');

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  writeFileSync(slice, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 500).join('\n'));
});

/** A run that trains in a second or two; the first of its two blocks is frozen (k = 1), so it caches a prefix. */
function tinyConfig(extra: RunConfigInput = {}): RunConfigInput {
  return {
    dataset: { source: slice, delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 },
    model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable: { kind: 'last', blocks: 1 },
    learningRate: 1e-3,
    epochs: 1,
    maxLength: 48,
    evalEvery: 10,
    evalBatches: 1,
    ...extra,
  };
}

async function run(storeDir: string, extra: RunConfigInput = {}, capBytes = 2 ** 30) {
  const lines: string[] = [];
  const result = await runTraining(RunConfigSchema.parse(tinyConfig(extra)), {
    prefixStore: { dir: storeDir, capBytes, log: (line) => lines.push(line) },
  });
  return { result, lines };
}

/** What a run's result is: final metrics (with every prediction) and its curves. */
const figures = (r: RunResult) => ({ final: r.outcome.final, history: r.outcome.history });

const entryFiles = (storeDir: string) => readdirSync(storeDir).filter((n) => n.endsWith('.prefix'));

describe('a second run with the same prefix', () => {
  const storeDir = path.join(dir, 'store');
  let first: RunResult;

  it('the first run computes its prefix and stores it; the second reads it and ends exactly as the first', async () => {
    const a = await run(storeDir);
    first = a.result;
    expect(first.outcome.prefixCache).toMatchObject({ k: 1, source: 'computed' });
    expect(entryFiles(storeDir)).toHaveLength(1);
    expect(a.lines.some((l) => l.startsWith('prefix store: stored entry'))).toBe(true);

    const b = await run(storeDir);
    expect(b.result.outcome.prefixCache).toEqual({ ...first.outcome.prefixCache, source: 'store' });
    expect(figures(b.result)).toEqual(figures(first));
    expect(entryFiles(storeDir)).toHaveLength(1);
  });

  it('another split seed or another number of frozen blocks misses (a new entry each)', async () => {
    const seed = await run(storeDir, { splitSeed: 7 });
    expect(seed.result.outcome.prefixCache?.source).toBe('computed');
    const deeper = await run(storeDir, {
      model: { preset: 'custom', custom: { nLayer: 3, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
      trainable: { kind: 'last', blocks: 1 },
    });
    expect(deeper.result.outcome.prefixCache).toMatchObject({ k: 2, source: 'computed' });
    const shallower = await run(storeDir, { trainable: { kind: 'last', blocks: 2 } });
    expect(shallower.result.outcome.prefixCache).toBeNull(); // nothing frozen: nothing to store
    expect(entryFiles(storeDir)).toHaveLength(3);
  });

  it.each([
    ['truncated', (file: string) => truncateSync(file, statSync(file).size - 1000)],
    [
      'damaged',
      (file: string) => {
        const bytes = readFileSync(file);
        bytes[Math.floor(bytes.length / 2)] ^= 0xff;
        writeFileSync(file, bytes);
      },
    ],
    ['foreign', (file: string) => writeFileSync(file, readFileSync(path.join(storeDir, otherEntry(file))))],
  ])('a %s entry is computed again with one log line, and the run still ends as the first', async (_, spoil) => {
    const again = await run(storeDir);
    const file = path.join(
      storeDir,
      entryFiles(storeDir).find((n) => again.lines.some((l) => l.includes(n.slice(0, 12))))!,
    );
    spoil(file);
    const { result, lines } = await run(storeDir);
    expect(result.outcome.prefixCache?.source).toBe('computed');
    expect(lines.filter((l) => l.includes('unusable'))).toHaveLength(1);
    expect(figures(result)).toEqual(figures(first));
    expect((await run(storeDir)).result.outcome.prefixCache?.source).toBe('store'); // stored whole again
  });

  /** Another entry of the store than `file`. */
  function otherEntry(file: string): string {
    return entryFiles(storeDir).find((n) => n !== path.basename(file))!;
  }
});

/** A key's parts, as a header records them (the store itself only needs the key). */
const PARTS: PrefixKeyParts = {
  weights: 'random:1',
  model: { nEmbd: 10 },
  data: null,
  examples: '',
  rows: 'real lengths',
  k: 1,
  inference: 'tfjs',
  batch: 16,
  engine: 1,
};

describe('the size cap', () => {
  it('evicts the least recently used entries when a new one would pass the cap', async () => {
    const storeDir = path.join(dir, 'lru');
    const store = new PrefixStore({ dir: storeDir, capBytes: 2 ** 30, log: () => {} });
    const rows = (fill: number) => [new Float32Array(1000).fill(fill), new Float32Array(500).fill(fill)];
    const key = (i: number) => String(i).repeat(64);
    const parts = { ...PARTS, examples: 'rows filled with i' };
    for (const i of [1, 2, 3]) {
      await store.write(key(i), parts, 10, rows(i));
      await new Promise((r) => setTimeout(r, 20)); // distinct last-use times
    }
    const one = statSync(path.join(storeDir, `${key(1)}.prefix`)).size;
    expect(await store.read(key(1), 10, [100, 50])).toEqual(rows(1)); // 1 is now the most recently used
    await new Promise((r) => setTimeout(r, 20));

    const tight = new PrefixStore({ dir: storeDir, capBytes: 2 * one + 10, log: () => {} });
    await tight.write(key(4), parts, 10, rows(4));
    expect(entryFiles(storeDir).sort()).toEqual([`${key(1)}.prefix`, `${key(4)}.prefix`]);
    expect(await storeUsage(storeDir)).toEqual({ entries: 2, bytes: 2 * one });
  });

  it('stores nothing that would leave its disk with less than the margin the runs need', () => {
    const GiB = 2 ** 30;
    expect(diskProblem(10 * GiB, 1 * GiB)).toBeNull();
    expect(diskProblem(STORE_DISK_MARGIN + GiB, GiB)).toBeNull();
    expect(diskProblem(STORE_DISK_MARGIN + GiB, GiB + 1)).toBe('its disk has 3.0 GiB free, and 2.0 GiB stay free for the runs');
  });

  it('does not store an entry larger than the cap', async () => {
    const storeDir = path.join(dir, 'small');
    const lines: string[] = [];
    const store = new PrefixStore({ dir: storeDir, capBytes: 1000, log: (l) => lines.push(l) });
    await store.write('a'.repeat(64), PARTS, 10, [new Float32Array(1000)]);
    expect(await storeUsage(storeDir)).toEqual({ entries: 0, bytes: 0 });
    expect(lines).toEqual([
      expect.stringMatching(/^prefix store: the prefix \(4\.2 KiB\) is not stored: it is larger than the store's cap \(1000 B\)$/),
    ]);
  });
});

describe('two processes filling the same entry at once', () => {
  it('both write it at the same moment, and the entry left is whole: it reads back as their computation, and a run uses it', async () => {
    const storeDir = path.join(dir, 'race');
    // The whole SMS set (1,494 examples × 48 rows × 32 floats: 9 MB), so that the two writes take a while to overlap.
    const config = tinyConfig({
      dataset: { source: sharedPath(SMS_SPAM_COLLECTION), delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 },
    });
    const args = [path.join(import.meta.dirname, 'support/prefixFiller.ts'), storeDir, JSON.stringify(config)];
    const children = [0, 1].map(() => fork(TS_CHILD, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const next = (c: ChildProcess) =>
      new Promise<FillerMessage>((resolve, reject) => {
        c.once('message', (m) => resolve(m as FillerMessage));
        c.once('exit', (code) => reject(new Error(`the filler process exited (${code}) before answering`)));
      });
    const ready = await Promise.all(children.map(next)); // both computed their prefix and hold their entry's key
    expect(ready[1]).toEqual(ready[0]);
    children.forEach((c) => c.send('go'));
    await Promise.all(children.map(next)); // both wrote

    expect(readdirSync(storeDir)).toEqual([`${ready[0].key}.prefix`]); // one entry, no temp file left behind
    const store = new PrefixStore({ dir: storeDir, capBytes: 2 ** 30, log: () => {} });
    const rows = await store.read(ready[0].key, 32, ready[0].rowCounts);
    expect(rows && rowsDigest(rows)).toBe(ready[0].digest);
    const { result } = await run(storeDir, config);
    expect(result.outcome.prefixCache).toMatchObject({ examples: ready[0].rowCounts.length, source: 'store' });
  });
});
