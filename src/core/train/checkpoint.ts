import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../atomicWrite.js';
import { WorkbenchError } from '../errors.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { HostTensor, TensorMap } from '../model/tensorMap.js';
import type { AdamW, NamedTensor } from './adamw.js';
import type { TrainHistory } from './history.js';

const STATE_FILE = 'checkpoint.json';

/** Where training stands at an epoch end; with the tensors it is everything a resume needs. */
export interface CheckpointState {
  epoch: number; // the last finished epoch, 0-based
  step: number;
  examplesSeen: number;
  tokensSeen: number;
  trainSeconds: number;
  history: TrainHistory;
  /** Shuffles and dropout masks derive from (seed, epoch, step), so this is the whole RNG state. */
  rng: { seed: number; epoch: number; step: number };
}

/**
 * Writes trained weights and AdamW moments (keyed by parameter name, not tfjs variable name, which
 * differs per process) to a new tensors file, then atomically swaps the JSON that names it, then
 * removes the previous tensors file: a crash at any point leaves one complete checkpoint.
 */
export async function saveCheckpoint(dir: string, model: SequenceClassifier, optimizer: AdamW, state: CheckpointState): Promise<void> {
  const tensors: TensorMap = new Map([...(await model.hostTensors())].map(([name, t]) => [`param/${name}`, t]));
  const nameOf = new Map([...model.namedParams()].map(([name, v]) => [v.name, name]));
  let optimizerStep = 0;
  for (const { name, tensor } of await optimizer.getWeights()) {
    if (name === 'step') {
      optimizerStep = (await tensor.data())[0];
      tensor.dispose();
      continue;
    }
    const slash = name.lastIndexOf('/');
    const param = nameOf.get(name.slice(0, slash));
    if (!param) continue;
    tensors.set(`${name.slice(slash + 1)}/${param}`, { shape: tensor.shape.slice(), data: (await tensor.data()) as Float32Array });
  }
  await mkdir(dir, { recursive: true });
  const previous = await readState(dir).catch(() => null);
  const tensorsFile = `checkpoint-${state.epoch + 1}.safetensors`;
  await writeSafetensors(path.join(dir, tensorsFile), tensors);
  await writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify({ ...state, optimizerStep, tensorsFile }));
  if (previous && previous.tensorsFile !== tensorsFile) await rm(path.join(dir, previous.tensorsFile), { force: true });
}

/** The epoch (0-based) and step a checkpoint in dir was taken at, without loading its tensors; null when there is none. */
export async function checkpointPosition(dir: string): Promise<{ epoch: number; step: number } | null> {
  try {
    const { epoch, step } = await readState(dir);
    return { epoch, step };
  } catch {
    return null;
  }
}

async function readState(dir: string): Promise<CheckpointState & { optimizerStep: number; tensorsFile: string }> {
  return JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8'));
}

/** The checkpoint in dir, or null when there is none. Restores weights and optimizer state into the given objects. */
export async function loadCheckpoint(dir: string, model: SequenceClassifier, optimizer: AdamW): Promise<CheckpointState | null> {
  let state: Awaited<ReturnType<typeof readState>>;
  try {
    state = await readState(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new WorkbenchError(`checkpoint in ${dir} is unreadable: ${(err as Error).message}`);
  }
  const tensorsPath = path.join(dir, state.tensorsFile);
  const { tensors } = await readSafetensors(tensorsPath);
  const weights: TensorMap = new Map();
  const savedMoments: [string, string, HostTensor][] = [];
  for (const [key, t] of tensors) {
    const slash = key.indexOf('/');
    const [kind, name] = [key.slice(0, slash), key.slice(slash + 1)];
    if (kind === 'param') weights.set(name, t);
    else savedMoments.push([kind, name, t]);
  }
  model.assignTensors(weights, tensorsPath);
  const params = model.namedParams();
  const moments: NamedTensor[] = [{ name: 'step', tensor: tf.scalar(state.optimizerStep, 'int32') }];
  for (const [kind, name, t] of savedMoments) {
    const v = params.get(name);
    if (!v) throw new WorkbenchError(`${tensorsPath}: holds optimizer moments of "${name}", which this model does not have`);
    moments.push({ name: `${v.name}/${kind}`, tensor: tf.tensor(t.data, t.shape) });
  }
  await optimizer.setWeights(moments);
  tf.dispose(moments.map((m) => m.tensor));
  return state;
}
