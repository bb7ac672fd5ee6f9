import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { RunConfig } from '../../common/runConfig.js';
import type { SplitExamples } from '../data/examples.js';
import { WorkbenchError } from '../errors.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { HostTensor, TensorMap } from '../model/tensorMap.js';
import { nextVersionName, removeStaleVersions, switchPointer, versionPattern } from '../versionedFiles.js';
import type { AdamW, NamedTensor } from './adamw.js';
import type { TrainProgress } from './progress.js';

const STATE_FILE = 'checkpoint.json';
const [TENSORS_PREFIX, TENSORS_EXT] = ['checkpoint', '.safetensors'];
const FORMAT = 'spam-workbench-checkpoint';

/** Where training stands at an epoch end; with the tensors it is everything a resume needs. */
export interface CheckpointState extends TrainProgress {
  /** Shuffles and dropout masks derive from (seed, epoch, step), so this is the whole RNG state. */
  rng: { seed: number; epoch: number; step: number };
}

/**
 * What makes a checkpoint belong to one experiment: the run settings (all but its name and its
 * number of epochs, which a resume may raise), the tokenized splits, and every parameter's shape.
 */
export interface RunFingerprint {
  config: Record<string, unknown>;
  data: string;
  parameters: Record<string, number[]>;
}

/** The best epoch's trained weights (early stopping), saved in the same tensors file as the rest. */
export interface BestWeights {
  epoch: number;
  weights: TensorMap;
}

export function runFingerprint(config: RunConfig, examples: SplitExamples, model: SequenceClassifier): RunFingerprint {
  const settings: Partial<RunConfig> = { ...config };
  delete settings.name;
  delete settings.epochs;
  const data = createHash('sha256');
  for (const split of [examples.train, examples.val, examples.test])
    data.update(JSON.stringify(split.map((e) => [e.label, e.ids]))).update('|');
  return {
    config: JSON.parse(JSON.stringify(settings)),
    data: data.digest('hex'),
    parameters: Object.fromEntries([...model.namedParams()].map(([name, v]) => [name, v.shape.slice()])),
  };
}

const Count = z.number().int().min(0);
const Measure = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN); // NaN is written to JSON as null
const StateSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(2),
  epoch: Count,
  step: Count,
  examplesSeen: Count,
  tokensSeen: Count,
  trainSeconds: z.number().min(0),
  history: z.object({
    evals: z.array(
      z.object({
        step: Count,
        epoch: Count,
        examplesSeen: Count,
        trainLoss: Measure,
        valLoss: Measure,
        trainAccuracy: Measure,
        valAccuracy: Measure,
      }),
    ),
    epochs: z.array(
      z.object({ epoch: Count, step: Count, examplesSeen: Count, trainAccuracy: Measure, valAccuracy: Measure, valLoss: Measure }),
    ),
  }),
  rng: z.object({ seed: Count, epoch: Count, step: Count }),
  optimizerStep: Count,
  tensorsFile: z.string().regex(versionPattern(TENSORS_PREFIX, TENSORS_EXT), 'must be checkpoint-N.safetensors, a file in the same folder'),
  bestEpoch: Count.nullable(),
  fingerprint: z.object({ config: z.record(z.string(), z.unknown()), data: z.string(), parameters: z.record(z.string(), z.array(Count)) }),
});
type SavedState = z.infer<typeof StateSchema>;

/** What a resume has to start from: the state, and the best epoch's weights when early stopping kept some. */
export type Restored = CheckpointState & { best: TensorMap | null };

/**
 * Writes trained weights, AdamW moments (keyed by parameter name, not tfjs variable name, which
 * differs per process) and the best epoch's weights to a new tensors file, then switches the JSON
 * that names it, then removes the previous tensors file (versionedFiles.ts): a crash or kill at any
 * moment leaves one complete checkpoint.
 */
export async function saveCheckpoint(
  dir: string,
  model: SequenceClassifier,
  optimizer: AdamW,
  state: CheckpointState,
  fingerprint: RunFingerprint,
  best: BestWeights | null = null,
): Promise<void> {
  const tensors: TensorMap = new Map([...(await model.hostTensors())].map(([name, t]) => [`param/${name}`, t]));
  for (const [name, t] of best?.weights ?? []) tensors.set(`best/${name}`, t);
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
  const tensorsFile = await nextVersionName(dir, TENSORS_PREFIX, TENSORS_EXT);
  await writeSafetensors(path.join(dir, tensorsFile), tensors);
  const { epoch, step, examplesSeen, tokensSeen, trainSeconds, history, rng } = state;
  const saved: z.input<typeof StateSchema> = {
    format: FORMAT,
    version: 2,
    ...{ epoch, step, examplesSeen, tokensSeen, trainSeconds, history, rng, optimizerStep, tensorsFile },
    bestEpoch: best?.epoch ?? null,
    fingerprint,
  };
  await switchPointer(dir, STATE_FILE, saved);
  await removeStaleVersions(dir, TENSORS_PREFIX, TENSORS_EXT, tensorsFile);
}

const startFresh = (dir: string) => `to start fresh, delete ${dir} or give another --checkpoint-dir`;

async function readState(dir: string): Promise<SavedState | null> {
  const file = path.join(dir, STATE_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new WorkbenchError(`${file} is unreadable (${(err as Error).message}); ${startFresh(dir)}`);
  }
  if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format !== FORMAT) {
    throw new WorkbenchError(`${file} was written by an older version of the workbench and cannot be resumed; ${startFresh(dir)}`);
  }
  const parsed = StateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WorkbenchError(`${file} is damaged: "${issue.path.join('.')}" ${issue.message}; ${startFresh(dir)}`);
  }
  return parsed.data;
}

/** The epoch (0-based) and step a checkpoint in dir was taken at, without loading its tensors; null when there is none or it is unreadable. */
export async function checkpointPosition(dir: string): Promise<{ epoch: number; step: number } | null> {
  const state = await readState(dir).catch(() => null);
  return state && { epoch: state.epoch, step: state.step };
}

/** The differences between two fingerprints, in words: "learningRate 0.001 (checkpoint) ≠ 0.0005 (this run)". */
function differences(saved: RunFingerprint, current: RunFingerprint): string[] {
  const flat = (o: unknown, prefix = ''): [string, string][] =>
    typeof o === 'object' && o !== null && !Array.isArray(o)
      ? Object.entries(o).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k))
      : [[prefix, JSON.stringify(o)]];
  // Where the data file lies is no part of the experiment (a training host keeps its own copy): its rows are, in `data`.
  const settings = (config: Record<string, unknown>) => flat(config).filter(([key]) => key !== 'dataset.source');
  const a = new Map(settings(saved.config));
  const b = new Map(settings(current.config));
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) !== b.get(key)) out.push(`${key} ${a.get(key) ?? 'unset'} (checkpoint) ≠ ${b.get(key) ?? 'unset'} (this run)`);
  }
  if (saved.data !== current.data) out.push('the data set (its rows, split or tokenization) differs');
  if (out.length === 0 && JSON.stringify(saved.parameters) !== JSON.stringify(current.parameters))
    out.push('the model has other parameters or shapes');
  return out;
}

/**
 * The checkpoint in dir, or null when there is none. Refuses one of another experiment (see
 * RunFingerprint), saying what differs. Restores weights and optimizer state into the given objects
 * only after every tensor has been checked against the model.
 */
export async function loadCheckpoint(
  dir: string,
  model: SequenceClassifier,
  optimizer: AdamW,
  fingerprint: RunFingerprint,
): Promise<Restored | null> {
  const state = await readState(dir);
  if (!state) return null;
  const differs = differences(state.fingerprint, fingerprint);
  if (differs.length > 0) {
    throw new WorkbenchError(
      `the checkpoint in ${dir} is of another experiment: ${differs.slice(0, 3).join('; ')}${differs.length > 3 ? ` and ${differs.length - 3} more` : ''}; ${startFresh(dir)}`,
    );
  }
  const tensorsPath = path.join(dir, state.tensorsFile);
  const { tensors } = await readSafetensors(tensorsPath);
  const groups = checkTensors(tensors, model, tensorsPath, state.bestEpoch !== null);
  const params = model.namedParams();
  for (const [name, t] of groups.param) tf.tidy(() => params.get(name)!.assign(tf.tensor(t.data, t.shape)));
  const moments: NamedTensor[] = [{ name: 'step', tensor: tf.scalar(state.optimizerStep, 'int32') }];
  for (const kind of ['m', 'v'] as const) {
    for (const [name, t] of groups[kind]) moments.push({ name: `${params.get(name)!.name}/${kind}`, tensor: tf.tensor(t.data, t.shape) });
  }
  await optimizer.setWeights(moments);
  tf.dispose(moments.map((m) => m.tensor));
  const { epoch, step, examplesSeen, tokensSeen, trainSeconds, history, rng } = state;
  return { epoch, step, examplesSeen, tokensSeen, trainSeconds, history, rng, best: state.bestEpoch === null ? null : groups.best };
}

type Groups = Record<'param' | 'best' | 'm' | 'v', Map<string, HostTensor>>;

/** Sorts the tensors by kind, checking each against the model: a clear message instead of a tfjs error later. */
function checkTensors(tensors: TensorMap, model: SequenceClassifier, file: string, hasBest: boolean): Groups {
  const params = model.namedParams();
  const groups: Groups = { param: new Map(), best: new Map(), m: new Map(), v: new Map() };
  for (const [key, t] of tensors) {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash) as keyof Groups;
    const name = key.slice(slash + 1);
    const v = params.get(name);
    if (!Object.hasOwn(groups, kind) || !v)
      throw new WorkbenchError(`${file}: tensor ${JSON.stringify(key)} is not part of this model's checkpoint`);
    if (t.shape.join(',') !== v.shape.join(',')) {
      throw new WorkbenchError(
        `${file}: tensor ${JSON.stringify(key)} has shape [${t.shape.join(', ')}], the model needs [${v.shape.join(', ')}]`,
      );
    }
    groups[kind].set(name, t);
  }
  const trained = [...params].filter(([, v]) => v.trainable).map(([name]) => name);
  const missing = trained.find((name) => !groups.param.has(name) || (hasBest && !groups.best.has(name)));
  if (missing)
    throw new WorkbenchError(`${file}: the weights of ${JSON.stringify(missing)}${hasBest ? ' (or of its best epoch)' : ''} are missing`);
  return groups;
}
