import type { Trainable } from '../../common/modelSpec.js';
import { WorkbenchError } from '../errors.js';
import type { GPT2Config } from './config.js';
import { gpt2ParameterShapes } from './gpt2Checkpoint.js';
import { isLoraName, loraParameterShapes } from './lora.js';
import { sizeOf } from './tensorMap.js';

export const HEAD_WEIGHT = 'classifier.weight'; // [C, K], the Conv1D layout like every other weight here
export const HEAD_BIAS = 'classifier.bias'; // [K]

/** Names of the parameters a trainable choice trains, out of a classifier's parameter names. */
export function trainableNames(names: Iterable<string>, nLayer: number, spec: Trainable): string[] {
  const all = [...names];
  const head = [HEAD_WEIGHT, HEAD_BIAS];
  const norm = ['ln_f.weight', 'ln_f.bias'];
  switch (spec.kind) {
    case 'head':
      return head;
    case 'head+norm':
      return [...norm, ...head];
    case 'all':
      return all;
    case 'last': {
      if (spec.blocks > nLayer) throw new WorkbenchError(`cannot unfreeze the last ${spec.blocks} blocks: the model has ${nLayer}`);
      const blocks = all.filter((n) => {
        const m = /^h\.(\d+)\./.exec(n);
        return m !== null && Number(m[1]) >= nLayer - spec.blocks;
      });
      return [...blocks, ...norm, ...head];
    }
    case 'lora':
      // The pretrained weights stay frozen; the adapters (on the blocks that have them) and the new head train.
      return [...all.filter(isLoraName), ...head];
  }
}

/** Parameter shapes of GPT-2 plus a classification head with numClasses outputs. */
export function classifierParameterShapes(config: GPT2Config, numClasses: number, spec?: Trainable): Map<string, number[]> {
  const adapters = spec?.kind === 'lora' ? loraParameterShapes(config, spec.rank, spec.blocks) : new Map<string, number[]>();
  return new Map([...gpt2ParameterShapes(config), ...adapters, [HEAD_WEIGHT, [config.nEmbd, numClasses]], [HEAD_BIAS, [numClasses]]]);
}

/** Trainable and total parameter counts without building the model (the book: 7,090,946 of 124,441,346). */
export function countParameters(config: GPT2Config, numClasses: number, spec: Trainable): { trainable: number; total: number } {
  const shapes = classifierParameterShapes(config, numClasses, spec);
  const chosen = new Set(trainableNames(shapes.keys(), config.nLayer, spec));
  let trainable = 0;
  let total = 0;
  for (const [name, shape] of shapes) {
    total += sizeOf(shape);
    if (chosen.has(name)) trainable += sizeOf(shape);
  }
  return { trainable, total };
}
