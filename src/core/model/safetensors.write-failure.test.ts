import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { tempDir } from '../../../test/support/tempDir.js';
import { WorkbenchError } from '../errors.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

// Makes writes through file handles fail like a full disk while `diskFull.on` is set.
const diskFull = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (...args) => {
    const handle = await fs.open(...args);
    if (diskFull.on) {
      handle.write = (async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }) as typeof handle.write;
    }
    return handle;
  };
  return { ...fs, open, default: { ...fs, open } };
});

const dir = tempDir('safetensors-enospc-');

it('a write that fails with a full disk names the path and cause, keeps the old file and removes the temp file', async () => {
  const file = path.join(dir, 'weights.safetensors');
  const before = new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]);
  await writeSafetensors(file, before);

  diskFull.on = true;
  const err = await writeSafetensors(file, new Map([['w', { shape: [2], data: new Float32Array([3, 4]) }]])).catch((e: unknown) => e);
  diskFull.on = false;

  expect(err).toBeInstanceOf(WorkbenchError);
  expect((err as Error).message).toBe(`cannot write ${file}: disk full (ENOSPC)`);
  expect((await readSafetensors(file)).tensors).toEqual(before);
  expect(await readdir(dir)).toEqual(['weights.safetensors']);
  expect(existsSync(`${file}.tmp-${process.pid}`)).toBe(false);
});
