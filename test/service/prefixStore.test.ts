import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../src/common/api.js';
import { DEFAULT_PREFIX_STORE_CAP } from '../../src/core/train/prefixStore.js';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* The data folder's prefix store through the service: real training processes, a real database file, the real SMS data (a slice). */

const dataDir = tempDir('wb-prefix-service-');
let service: WorkbenchService;
let dataset: DatasetSummary;

beforeAll(async () => {
  ({ service } = await openService({ dataDir, autoStart: false }));
  dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
});

describe('runs that share a frozen prefix', () => {
  it('the second run reads what the first stored, says so in its record, and ends with the same figures', async () => {
    const lastBlock = tinyRun(dataset.id, { trainable: 'last-1', epochs: 1 });
    const [first] = await service.createRuns({ base: lastBlock });
    const [second] = await service.createRuns({ base: lastBlock });
    service.startQueue();
    await service.whenIdle();

    const a = await service.getRun(first.id);
    const b = await service.getRun(second.id);
    expect([a.status, b.status], `${a.error} ${b.error}`).toEqual(['finished', 'finished']);
    expect(a.prefixCache).toMatchObject({ k: 1, source: 'computed' });
    expect(b.prefixCache).toEqual({ ...a.prefixCache, source: 'store' });
    expect(b.evaluation).toEqual(a.evaluation);
    expect(b.curves).toEqual(a.curves);
    expect(b.logTail).toMatch(/prefix store: read the frozen prefix of \d+ examples from entry [0-9a-f]{12}/);

    const { prefixStore } = await service.getSystemInfo();
    expect(prefixStore).toMatchObject({ folder: path.join(dataDir, 'prefix-store'), entries: 1, capBytes: DEFAULT_PREFIX_STORE_CAP });
    expect(prefixStore.bytes).toBeGreaterThan(0);
  });

  it('a cap below the store’s size evicts at once; the cap is kept; Clear empties the store', async () => {
    const bytes = (await service.getSystemInfo()).prefixStore.bytes;
    expect(await service.setPrefixStoreCap(bytes - 1)).toMatchObject({ entries: 0, bytes: 0, capBytes: bytes - 1 });
    expect((await service.getSystemInfo()).prefixStore.capBytes).toBe(bytes - 1);

    await service.setPrefixStoreCap(DEFAULT_PREFIX_STORE_CAP);
    const [again] = await service.createRuns({ base: tinyRun(dataset.id, { trainable: 'last-1', epochs: 1 }) });
    service.startQueue();
    await service.whenIdle();
    expect((await service.getRun(again.id)).prefixCache?.source).toBe('computed');
    expect((await service.getSystemInfo()).prefixStore.entries).toBe(1);
    expect(await service.clearPrefixStore()).toMatchObject({ entries: 0, bytes: 0 });
    expect(readdirSync(path.join(dataDir, 'prefix-store'))).toEqual([]);
  });

  it('a dropout run in scope all shares the prefix of its dropout-0 neighbour: computed once, read by the second', async () => {
    const [plain] = await service.createRuns({ base: tinyRun(dataset.id, { trainable: 'last-1', epochs: 1 }) });
    const [dropped] = await service.createRuns({ base: tinyRun(dataset.id, { trainable: 'last-1', epochs: 1, dropout: 0.1 }) });
    service.startQueue();
    await service.whenIdle();

    const a = await service.getRun(plain.id);
    const b = await service.getRun(dropped.id);
    expect([a.status, b.status], `${a.error} ${b.error}`).toEqual(['finished', 'finished']);
    expect(b.config.dropoutScope ?? 'all').toBe('all');
    expect(a.prefixCache).toMatchObject({ k: 1, source: 'computed' });
    expect(b.prefixCache).toEqual({ ...a.prefixCache, source: 'store' });
    expect(b.logTail).toMatch(/prefix store: read the frozen prefix of \d+ examples/);
    expect((await service.getSystemInfo()).prefixStore.entries).toBe(1);
    // The steps dropped: the two runs learned differently from the same prefix.
    expect(b.curves).not.toEqual(a.curves);
  });
  it('a queued grid over unfrozen blocks computes its prefix once: the first run keeps the depths the later ones read', async () => {
    await service.clearPrefixStore();
    const model = { preset: 'custom', custom: { nLayer: 3, nEmbd: 64, nHead: 4, nPositions: 64 }, weights: 'random' };
    const created = await service.createRuns({
      base: tinyRun(dataset.id, { model, epochs: 1 }),
      vary: { trainable: ['head', 'last-1', 'last-2'] },
    });
    service.startQueue();
    await service.whenIdle();

    const runs = await Promise.all(created.map((r) => service.getRun(r.id)));
    expect(
      runs.map((r) => r.status),
      runs.map((r) => r.error).join(' '),
    ).toEqual(['finished', 'finished', 'finished']);
    expect(runs.map((r) => r.prefixCache)).toEqual([
      expect.objectContaining({ k: 3, source: 'computed' }),
      expect.objectContaining({ k: 2, source: 'store' }),
      expect.objectContaining({ k: 1, source: 'store' }),
    ]);
    expect(runs[0].prefixCache).not.toHaveProperty('from');
    expect((await service.getSystemInfo()).prefixStore.entries).toBe(3);
  });
});
