import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { TensorMap } from '../model/tensorMap.js';

/*
 * With early stopping, a run's result is its best epoch by validation loss (as Keras'
 * restore_best_weights or Hugging Face's load_best_model_at_end): the trained weights of that
 * epoch are kept, on disk beside the checkpoint so a resumed run keeps them too.
 */

const BEST_FILE = 'best.safetensors';

export async function saveBest(dir: string, weights: TensorMap, epoch: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(path.join(dir, BEST_FILE), weights, { epoch: String(epoch) });
}

/** The best weights saved in dir, or null when there are none. */
export async function loadBest(dir: string): Promise<TensorMap | null> {
  try {
    return (await readSafetensors(path.join(dir, BEST_FILE))).tensors;
  } catch {
    return null;
  }
}
