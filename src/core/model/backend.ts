import * as tf from '@tensorflow/tfjs-core';
import { WorkbenchError } from '../errors.js';
import type { Device } from './onnx/device.js';

/** Compute backends in order of preference; the native ones are optional installs. */
export const BACKEND_PREFERENCE = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_PREFERENCE)[number];

let selected: BackendChoice | null = null;

async function tryBackend(choice: BackendChoice): Promise<boolean> {
  try {
    switch (choice) {
      case 'tfjs-node-gpu':
        // The native packages register the 'tensorflow' backend when imported.
        await import('@tensorflow/tfjs-node-gpu' as string);
        return await tf.setBackend('tensorflow');
      case 'tfjs-node':
        await import('@tensorflow/tfjs-node' as string);
        return await tf.setBackend('tensorflow');
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        return await tf.setBackend('wasm');
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        return await tf.setBackend('cpu');
    }
  } catch {
    return false;
  }
}

/**
 * Picks the fastest backend that loads here. `WORKBENCH_BACKEND` (or the argument) forces one,
 * and then failing to load it is an error rather than a silent fallback.
 */
export async function initBackend(forced: string | undefined = process.env.WORKBENCH_BACKEND): Promise<BackendChoice> {
  if (selected) return selected;
  if (forced) {
    if (!(BACKEND_PREFERENCE as readonly string[]).includes(forced)) {
      throw new WorkbenchError(`unknown backend "${forced}"; choose one of ${BACKEND_PREFERENCE.join(', ')}`);
    }
    if (!(await tryBackend(forced as BackendChoice))) throw new WorkbenchError(`backend "${forced}" is not available on this machine`);
    selected = forced as BackendChoice;
  } else {
    for (const choice of BACKEND_PREFERENCE) {
      if (await tryBackend(choice)) {
        selected = choice;
        break;
      }
    }
  }
  if (!selected) throw new WorkbenchError('no TensorFlow.js backend could be initialised');
  await tf.ready();
  return selected;
}

/** Where the chosen tfjs backend computes: tfjs-node-gpu on CUDA, every other on the CPU. */
export function backendDevice(): Device {
  return backendName() === 'tfjs-node-gpu' ? 'cuda' : 'cpu';
}

/** The backend chosen by initBackend, for run records and results. */
export function backendName(): BackendChoice {
  if (!selected) throw new Error('initBackend() has not run');
  return selected;
}
