import { statfs } from 'node:fs/promises';
import type { RunConfig } from '../common/runConfig.js';
import { WorkbenchError } from '../core/errors.js';

/** Kept free beyond a run's own needs unless the caller says otherwise: the database and the system need room too. */
export const DEFAULT_DISK_RESERVE_BYTES = 200 * 1024 ** 2;

/**
 * Bytes a run writes at most: two epoch checkpoints side by side while one replaces the other
 * (weights plus AdamW's two moments, float32), the best epoch's weights with early stopping, and the
 * saved classifier.
 */
export function bytesNeeded(config: RunConfig, trainableParameters: number): number {
  const tensors = trainableParameters * 4;
  return 2 * 3 * tensors + (config.earlyStopping ? tensors : 0) + tensors + 1024 ** 2;
}

export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Throws a clear message when `dir`'s disk cannot hold `needed` bytes plus the reserve. */
export async function checkFreeSpace(dir: string, needed: number, reserve: number): Promise<void> {
  const free = await freeBytes(dir);
  if (free < needed + reserve) {
    throw new WorkbenchError(
      `not enough free disk space: ${formatBytes(free)} free in ${dir}, the run's checkpoints need about ${formatBytes(needed)} and ${formatBytes(reserve)} are kept free — free some space and retry the run`,
    );
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) [n, i] = [n / 1024, i + 1];
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
