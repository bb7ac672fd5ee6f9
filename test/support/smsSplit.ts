import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { RunConfigSchema } from '../../src/common/runConfig.js';
import { prepareData, type PreparedData } from '../../src/core/train/run.js';
import { smsCacheDir } from './shared.js';

/** The book's SMS split for a test file: prepared before its tests from a fresh cache of the real collection, the cache removed after. */
export function bookSmsSplit(): { cacheDir(): string; data(): PreparedData } {
  let cacheDir: string;
  let data: PreparedData;
  beforeAll(async () => {
    cacheDir = smsCacheDir();
    data = await prepareData(RunConfigSchema.parse({}), 1024, { cacheDir });
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
  return { cacheDir: () => cacheDir, data: () => data };
}
