import * as tf from '@tensorflow/tfjs-core';
import { isLoraName } from '../lora.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import type { TensorMap } from '../tensorMap.js';

/**
 * A classifier's weights for an inference graph, copied out of tfjs: LoRA adapters merged into the
 * layers they adapt (W + alpha·A·B, the same update the tfjs forward adds), `keep` choosing which.
 */
export async function inferenceWeights(model: SequenceClassifier, keep: (name: string) => boolean = () => true): Promise<TensorMap> {
  const spec = model.trainableSpec;
  const alpha = spec.kind === 'lora' ? spec.alpha : 0;
  const out: TensorMap = new Map();
  for (const [name, v] of model.namedParams()) {
    if (isLoraName(name) || !keep(name)) continue;
    const layer = name.replace(/\.weight$/, '');
    const a = model.gpt.params.get(`${layer}.lora_A`);
    const b = model.gpt.params.get(`${layer}.lora_B`);
    const value = a && b ? tf.tidy(() => tf.add(v, tf.mul(tf.matMul(a, b), alpha))) : v;
    out.set(name, { shape: v.shape.slice(), data: (await value.data()) as Float32Array });
    if (value !== v) value.dispose();
  }
  return out;
}
