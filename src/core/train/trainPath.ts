import type { DropoutSettings } from '../../common/runConfig.js';
import { backendName } from '../model/backend.js';
import { initInference, type InferenceChoice } from '../model/inference.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { PrefixCache } from './prefixCache.js';
import { frozenPrefixDrops } from './schedule.js';

/** Where a run's training steps run, and why tfjs when ONNX Runtime was the inference path. */
export interface TrainPath {
  path: InferenceChoice;
  fallbackReason: string | null;
}

/** Why the ONNX training graph cannot train this run on this machine; null when it can (every selection, dropout and LoRA included). */
function onnxRefusal(model: SequenceClassifier, config: DropoutSettings, cache: PrefixCache | null): string | null {
  if (backendName() === 'tfjs-node-gpu') return 'the GPU backend trains on tfjs';
  // With nothing frozen the graph starts from the ids; with frozen blocks from their output: cached, or run with
  // dropout at every step.
  if (!cache && model.frozenPrefix() > 0 && !frozenPrefixDrops(config)) return 'no frozen-prefix cache to start the ONNX step from';
  return null;
}

/**
 * The training step follows the inference path: ONNX Runtime for the trained top when inference is
 * onnx and the machine allows it, else tfjs with the reason.
 */
export async function chooseTrainPath(
  model: SequenceClassifier,
  config: DropoutSettings,
  cache: PrefixCache | null,
  inference?: InferenceChoice,
): Promise<TrainPath> {
  if ((inference ?? (await initInference()).inference) === 'tfjs') return { path: 'tfjs', fallbackReason: null };
  const refusal = onnxRefusal(model, config, cache);
  return refusal ? { path: 'tfjs', fallbackReason: refusal } : { path: 'onnx', fallbackReason: null };
}
