import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PoolingSchema, PresetNameSchema, TrainableSchema } from '../../common/modelSpec.js';
import { PAD_TOKEN, TOKENIZER_NAME } from '../data/tokenizer.js';
import { WorkbenchError } from '../errors.js';
import { nextVersionName, removeStaleVersions, switchPointer, versionPattern } from '../versionedFiles.js';
import { SequenceClassifier } from './sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from './trainable.js';
import { GPT2ConfigSchema, validateConfig, type GPT2Config } from './config.js';
import { GPT2 } from './gpt2.js';
import { loadGpt2Checkpoint } from './gpt2Checkpoint.js';
import { ensurePretrained } from './pretrained.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import type { TensorMap } from './tensorMap.js';

/** The weights file of classifiers saved before weights files were versioned. */
export const WEIGHTS_FILE = 'classifier.safetensors';
export const SIDECAR_FILE = 'classifier.json';
const [WEIGHTS_PREFIX, WEIGHTS_EXT] = ['classifier', '.safetensors'];
const WeightsFileSchema = z.string().refine((name) => name === WEIGHTS_FILE || versionPattern(WEIGHTS_PREFIX, WEIGHTS_EXT).test(name), {
  message: 'must be classifier-N.safetensors, a file in the same folder',
});

/** Where the frozen (unsaved) weights come from when a classifier is loaded. */
const BaseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pretrained'), preset: PresetNameSchema }),
  z.object({ kind: z.literal('file'), path: z.string(), sha256: z.string().optional() }),
  z.object({ kind: z.literal('random'), seed: z.number().int() }),
  z.object({ kind: z.literal('none') }), // every weight is in the classifier file
]);
export type ModelBase = z.infer<typeof BaseSchema>;

/** The JSON sidecar: everything needed to rebuild and use the classifier. */
export const SidecarSchema = z.object({
  format: z.literal('spam-workbench-classifier'),
  version: z.literal(1),
  modelConfig: GPT2ConfigSchema,
  base: BaseSchema,
  labels: z.array(z.string()).min(2),
  pooling: PoolingSchema,
  maxLength: z.number().int().positive(),
  tokenizer: z.literal(TOKENIZER_NAME),
  padToken: z.number().int(),
  trainable: TrainableSchema,
  /** The weights file in the same folder (versioned, see versionedFiles.ts). */
  weightsFile: WeightsFileSchema.default(WEIGHTS_FILE),
  weightsSha256: z.string(),
});
export type ClassifierSidecar = z.infer<typeof SidecarSchema>;

/** A sidecar from what describes the classifier; the format, version and tokenizer are this build's. */
export function classifierSidecar(fields: Omit<ClassifierSidecar, 'format' | 'version' | 'tokenizer' | 'padToken'>): ClassifierSidecar {
  return { format: 'spam-workbench-classifier', version: 1, tokenizer: TOKENIZER_NAME, padToken: PAD_TOKEN, ...fields };
}

export interface SavedClassifier {
  model: SequenceClassifier;
  sidecar: ClassifierSidecar;
}

/**
 * Saves the trained weights and the head as safetensors plus a JSON sidecar. With a known base
 * (pretrained preset, file or random seed) only the trained tensors are stored — a run of the
 * book's recipe is 28 MB instead of 500 MB; `base: none` stores everything. The pair replaces a
 * classifier saved in dir before as one step (versionedFiles.ts): a crash leaves the old or the new.
 */
export async function saveClassifier(
  dir: string,
  model: SequenceClassifier,
  meta: { base: ModelBase; labels: string[]; maxLength: number },
): Promise<ClassifierSidecar> {
  await mkdir(dir, { recursive: true });
  const tensors = await model.hostTensors(meta.base.kind === 'none' ? 'all' : 'trained');
  const weightsFile = await nextVersionName(dir, WEIGHTS_PREFIX, WEIGHTS_EXT);
  const weightsPath = path.join(dir, weightsFile);
  await writeSafetensors(weightsPath, tensors, { format: 'spam-workbench-classifier' });
  const sidecar = classifierSidecar({
    modelConfig: model.gpt.config,
    base: meta.base,
    labels: meta.labels,
    pooling: model.pooling,
    maxLength: meta.maxLength,
    trainable: model.trainableSpec,
    weightsFile,
    weightsSha256: sha256(await readFile(weightsPath)),
  });
  await switchPointer(dir, SIDECAR_FILE, sidecar);
  await removeStaleVersions(dir, WEIGHTS_PREFIX, WEIGHTS_EXT, weightsFile);
  await rm(path.join(dir, WEIGHTS_FILE), { force: true }); // an unversioned file of an older save
  return sidecar;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a file, streamed: base weights files are hundreds of MB. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readSidecar(dir: string): Promise<ClassifierSidecar> {
  const p = path.join(dir, SIDECAR_FILE);
  let raw: string;
  try {
    raw = await readFile(p, 'utf8');
  } catch {
    throw new WorkbenchError(`${dir} is not a saved classifier: ${SIDECAR_FILE} is missing`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new WorkbenchError(`${p}: not valid JSON`);
  }
  const parsed = SidecarSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WorkbenchError(`${p}: invalid classifier description at "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}

async function baseModel(base: ModelBase, config: GPT2Config, saved: TensorMap): Promise<GPT2> {
  switch (base.kind) {
    case 'pretrained': {
      const { weightsPath } = await ensurePretrained(base.preset);
      return GPT2.fromTensors(config, (await loadGpt2Checkpoint(weightsPath, { config })).tensors);
    }
    case 'file': {
      const { tensors } = await loadGpt2Checkpoint(base.path, { config });
      const actual = base.sha256 && (await fileSha256(base.path));
      if (actual && actual !== base.sha256) {
        throw new WorkbenchError(
          `${base.path} is not the base weights file this classifier was trained on (sha256 ${actual}, expected ${base.sha256}): put the original file back there`,
        );
      }
      return GPT2.fromTensors(config, tensors);
    }
    case 'random':
      return GPT2.random(config, base.seed);
    case 'none':
      return GPT2.fromTensors(config, saved);
  }
}

/** Loads a classifier saved by saveClassifier; a damaged or mismatched file fails with a clear message. */
export async function loadClassifier(dir: string): Promise<SavedClassifier> {
  const sidecar = await readSidecar(dir);
  const config = validateConfig(sidecar.modelConfig);
  if (config.vocabSize <= PAD_TOKEN) {
    throw new WorkbenchError(
      `${path.join(dir, SIDECAR_FILE)}: vocabSize ${config.vocabSize} is too small for the ${TOKENIZER_NAME} tokenizer (ids up to ${PAD_TOKEN})`,
    );
  }
  const weightsPath = path.join(dir, sidecar.weightsFile);
  if ((await fileSha256(weightsPath).catch(() => undefined)) !== sidecar.weightsSha256) {
    await readSafetensors(weightsPath); // says what is wrong with the file, when something is
    throw new WorkbenchError(`${weightsPath} does not match ${SIDECAR_FILE} (sha256 differs): the weights were changed or replaced`);
  }
  const { tensors } = await readSafetensors(weightsPath);
  const numClasses = sidecar.labels.length;
  const head = (name: string, shape: number[]) => {
    const t = tensors.get(name);
    if (!t) throw new WorkbenchError(`${weightsPath}: missing tensor ${JSON.stringify(name)}`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new WorkbenchError(
        `${weightsPath}: the head ${JSON.stringify(name)} has shape [${t.shape.join(', ')}], but ${SIDECAR_FILE} lists ${numClasses} labels (needs [${shape.join(', ')}])`,
      );
    }
    return t;
  };
  const headWeight = head(HEAD_WEIGHT, [config.nEmbd, numClasses]);
  const headBias = head(HEAD_BIAS, [numClasses]);
  const gpt = await baseModel(sidecar.base, config, tensors);
  const model = new SequenceClassifier(gpt, numClasses, sidecar.pooling, 0, { weight: headWeight, bias: headBias });
  // Adapters (LoRA) must exist before their saved values are assigned.
  model.setTrainable(sidecar.trainable);
  try {
    model.assignTensors(tensors, weightsPath);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, sidecar };
}
