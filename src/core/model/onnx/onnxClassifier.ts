import type { Pooling } from '../../../common/modelSpec.js';
import type { GPT2Config } from '../config.js';
import type { TensorMap } from '../tensorMap.js';
import { picksOne, poolingWeightData } from '../pooling.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { Gpt2Session } from './session.js';
import { inferenceWeights } from './weights.js';

/** Softmax of each row, in double precision. */
export function softmaxRows(logits: Float32Array, K: number): number[][] {
  return Array.from({ length: logits.length / K }, (_, b) => {
    const row = Array.from(logits.subarray(b * K, (b + 1) * K));
    const max = Math.max(...row);
    const e = row.map((x) => Math.exp(x - max));
    const sum = e.reduce((s, x) => s + x, 0);
    return e.map((x) => x / sum);
  });
}

/** A classifier's whole forward pass (all blocks, final norm, pooling, head) on ONNX Runtime. */
export class OnnxClassifier {
  private constructor(
    private readonly session: Gpt2Session,
    readonly pooling: Pooling,
    readonly numClasses: number,
  ) {}

  static async create(model: SequenceClassifier): Promise<OnnxClassifier> {
    return OnnxClassifier.fromWeights(model.gpt.config, await inferenceWeights(model), model.pooling, model.numClasses);
  }

  /** From weights already copied out (inferenceWeights), so the tfjs model can go before the session is built. */
  static async fromWeights(config: GPT2Config, weights: TensorMap, pooling: Pooling, numClasses: number): Promise<OnnxClassifier> {
    const session = await Gpt2Session.create(config, weights, { from: 0, to: config.nLayer, logits: true, pickOne: picksOne(pooling) });
    return new OnnxClassifier(session, pooling, numClasses);
  }

  /** Logits [B·K] for padded ids [B][T] with real lengths. */
  async logits(ids: number[][], lengths: number[]): Promise<Float32Array> {
    const T = ids[0].length;
    const feeds = { ids: this.session.ids(ids), pool: this.session.float(poolingWeightData(this.pooling, lengths, T), [ids.length, T]) };
    return (await this.session.run(feeds, ['logits'])).logits.data;
  }

  async probabilities(ids: number[][], lengths: number[]): Promise<number[][]> {
    return softmaxRows(await this.logits(ids, lengths), this.numClasses);
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
