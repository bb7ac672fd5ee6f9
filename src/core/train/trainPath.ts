import type { DropoutSettings } from '../../common/runConfig.js';
import { backendDevice, backendName } from '../model/backend.js';
import { initInference, type InferenceChoice } from '../model/inference.js';
import type { Device } from '../model/onnx/device.js';
import { initDevice } from '../model/onnx/session.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { PrefixCache } from './prefixCache.js';
import { frozenPrefixDrops } from './schedule.js';

/** Where a run's training steps run, and why tfjs when ONNX Runtime was the inference path. */
export interface TrainPath {
  path: InferenceChoice;
  fallbackReason: string | null;
  /** Where the steps compute (ONNX Runtime's device, or the tfjs backend's), and why the CPU when CUDA was not asked against. */
  device: Device;
  deviceReason: string | null;
}

/** Why the ONNX training graph cannot train this run on this machine; null when it can (every selection, dropout and LoRA included). */
function onnxRefusal(model: SequenceClassifier, config: DropoutSettings, cache: PrefixCache | null, device: Device): string | null {
  // Where ONNX Runtime has no CUDA, tfjs-node-gpu is the GPU that remains.
  if (backendName() === 'tfjs-node-gpu' && device !== 'cuda') return 'the GPU backend trains on tfjs: ONNX Runtime runs on the CPU here';
  // With nothing frozen the graph starts from the ids; with frozen blocks from their output: cached, or run with
  // dropout at every step.
  if (!cache && model.frozenPrefix() > 0 && !frozenPrefixDrops(config)) return 'no frozen-prefix cache to start the ONNX step from';
  return null;
}

/**
 * The training step follows the inference path: ONNX Runtime (on its device, device.ts) for the trained
 * top when inference is onnx and the machine allows it, else tfjs with the reason.
 */
export async function chooseTrainPath(
  model: SequenceClassifier,
  config: DropoutSettings,
  cache: PrefixCache | null,
  inference?: InferenceChoice,
): Promise<TrainPath> {
  const onTfjs = (fallbackReason: string | null): TrainPath => ({
    path: 'tfjs',
    fallbackReason,
    device: backendDevice(),
    deviceReason: null,
  });
  if ((inference ?? (await initInference()).inference) === 'tfjs') return onTfjs(null);
  const { device, reason } = await initDevice();
  const refusal = onnxRefusal(model, config, cache, device);
  return refusal ? onTfjs(refusal) : { path: 'onnx', fallbackReason: null, device, deviceReason: reason };
}
