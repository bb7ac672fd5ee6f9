import type { RunConfig } from '../../common/runConfig.js';
import { backendDevice, backendName } from '../model/backend.js';
import { initInference, type InferenceChoice } from '../model/inference.js';
import type { Device } from '../model/onnx/device.js';
import { initDevice } from '../model/onnx/session.js';
import { OnnxTrainStep } from '../model/onnx/trainRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { PrefixCache } from './prefixCache.js';
import { onnxSelectionRefusal } from './runCost.js';

/** Where a run's training steps run, and why tfjs when ONNX Runtime was the inference path. */
export interface TrainPath {
  path: InferenceChoice;
  fallbackReason: string | null;
  /** The ONNX step (when path is onnx). */
  runner: OnnxTrainStep | null;
  /** Where the steps compute (ONNX Runtime's device, or the tfjs backend's), and why the CPU when CUDA was not asked against. */
  device: Device;
  deviceReason: string | null;
}

/** Why the ONNX training graph cannot train this selection; null when it can. */
function onnxRefusal(
  model: SequenceClassifier,
  config: Pick<RunConfig, 'dropout'>,
  cache: PrefixCache | null,
  device: Device,
): string | null {
  const selection = onnxSelectionRefusal({ trainable: model.trainableSpec, dropout: config.dropout });
  if (selection) return selection;
  // Where ONNX Runtime has no CUDA, tfjs-node-gpu is the GPU that remains.
  if (backendName() === 'tfjs-node-gpu' && device !== 'cuda') return 'the GPU backend trains on tfjs: ONNX Runtime runs on the CPU here';
  // With nothing frozen the graph starts from the ids; with frozen blocks it needs their cached output.
  if (!cache && model.frozenPrefix() > 0) return 'no frozen-prefix cache to start the ONNX step from';
  return null;
}

/**
 * The training step follows the inference path: ONNX Runtime (on its device, device.ts) for the trained
 * top when inference is onnx and the selection is one the training graph covers, else tfjs with the reason.
 */
export async function chooseTrainPath(
  model: SequenceClassifier,
  config: Pick<RunConfig, 'dropout'>,
  cache: PrefixCache | null,
  inference?: InferenceChoice,
): Promise<TrainPath> {
  const onTfjs = (fallbackReason: string | null): TrainPath => ({
    path: 'tfjs',
    fallbackReason,
    runner: null,
    device: backendDevice(),
    deviceReason: null,
  });
  if ((inference ?? (await initInference()).inference) === 'tfjs') return onTfjs(null);
  const { device, reason } = await initDevice();
  const refusal = onnxRefusal(model, config, cache, device);
  if (refusal) return onTfjs(refusal);
  return { path: 'onnx', fallbackReason: null, runner: await OnnxTrainStep.create(model, cache?.k ?? 0), device, deviceReason: reason };
}
