import type { GPT2Config } from './config.js';
import type { InferenceChoice } from './inference.js';
import { OnnxClassifier } from './onnx/onnxClassifier.js';
import { inferenceWeights } from './onnx/weights.js';
import type { TensorMap } from './tensorMap.js';
import { classifierBatch, classify, toPredictions, type Prediction } from './predict.js';
import type { ClassifierSidecar, SavedClassifier } from './savedClassifier.js';

/** A loaded classifier ready to classify on the chosen inference path. */
export interface ClassifierRunner {
  readonly inference: InferenceChoice;
  readonly sidecar: ClassifierSidecar;
  classify(texts: string[]): Promise<Prediction[]>;
  dispose(): void;
}

/**
 * Puts a saved classifier on an inference path. For ONNX the graph gets the weights (LoRA merged)
 * and the tfjs model is released: a GPT-2 small classifier would otherwise be held twice.
 */
export async function classifierRunner(saved: SavedClassifier, inference: InferenceChoice): Promise<ClassifierRunner> {
  const { model, sidecar } = saved;
  if (inference === 'tfjs') {
    return { inference, sidecar, classify: async (texts) => classify(saved, texts), dispose: () => model.dispose() };
  }
  const config = model.gpt.config;
  let weights: TensorMap;
  try {
    weights = await inferenceWeights(model);
  } finally {
    model.dispose();
  }
  return onnxClassifierRunner(sidecar, config, weights);
}

/** A classifier on ONNX Runtime straight from its weights (the head included, LoRA merged). */
export async function onnxClassifierRunner(sidecar: ClassifierSidecar, config: GPT2Config, weights: TensorMap): Promise<ClassifierRunner> {
  const onnx = await OnnxClassifier.fromWeights(config, weights, sidecar.pooling, sidecar.labels.length);
  return {
    inference: 'onnx',
    sidecar,
    async classify(texts) {
      const batch = classifierBatch(sidecar, config, texts);
      return toPredictions(sidecar.labels, await onnx.probabilities(batch.ids, batch.lengths));
    },
    dispose: () => void onnx.dispose(),
  };
}
