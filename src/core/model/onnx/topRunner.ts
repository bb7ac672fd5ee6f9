import type { SequenceClassifier } from '../sequenceClassifier.js';
import { picksOne, poolingWeightData } from '../pooling.js';
import { Gpt2Session } from './session.js';
import { inferenceWeights } from './weights.js';

/** Blocks from k up, the final norm and the head: what the prefix cache leaves to compute. */
function inTop(name: string, k: number): boolean {
  const block = /^h\.(\d+)\./.exec(name);
  return block ? Number(block[1]) >= k : !name.startsWith('wte.') && !name.startsWith('wpe.');
}

/**
 * A classifier's top (blocks [k, nLayer), final norm, pooling, head) on ONNX Runtime with the weights it
 * has now: evaluation during training builds one per evaluation point, since training moves the weights.
 */
export class OnnxTop {
  private constructor(
    private readonly session: Gpt2Session,
    private readonly model: SequenceClassifier,
  ) {}

  static async create(model: SequenceClassifier, k: number): Promise<OnnxTop> {
    const { config } = model.gpt;
    const weights = await inferenceWeights(model, (name) => inTop(name, k));
    return new OnnxTop(
      await Gpt2Session.create(config, weights, {
        from: k,
        to: config.nLayer,
        input: 'hidden',
        logits: true,
        pickOne: picksOne(model.pooling),
      }),
      model,
    );
  }

  /** Logits [B·K] from cached hidden states [B, T, C] (flat) with the rows' real lengths. */
  async logits(hidden: Float32Array, T: number, lengths: number[]): Promise<Float32Array> {
    const B = lengths.length;
    const feeds = {
      hidden_in: this.session.float(hidden, [B, T, this.model.gpt.config.nEmbd]),
      pool: this.session.float(poolingWeightData(this.model.pooling, lengths, T), [B, T]),
    };
    return (await this.session.run(feeds, ['logits'])).logits.data;
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
