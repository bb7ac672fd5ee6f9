import * as tf from '@tensorflow/tfjs-core';
import type { OnnxTrainStep } from '../model/onnx/trainRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { adamWFactors, type AdamW, type NamedTensor } from './adamw.js';
import { adamWShards, type AdamWShard } from './adamWShard.js';

/** The factor min(1, maxNorm / (‖g‖ + 1e-6)) of torch.nn.utils.clip_grad_norm_, over every gradient of the shards. */
function clipScale(shards: AdamWShard[], maxNorm: number): number {
  const squares = shards.reduce((sum, shard) => shard.sumOfSquares(sum), 0);
  return Math.min(1, maxNorm / (Math.sqrt(squares) + 1e-6));
}

interface HostState {
  /** Every weight the graph takes: the trained ones are views of the shards' memory. */
  weights: Map<string, Float32Array>;
  /** The trained weights' gradients, views of the shards' memory. */
  grads: Map<string, Float32Array>;
  shards: AdamWShard[];
  step: number;
}

/**
 * AdamW for the ONNX training step (step.ts onnxTrainStep): the weights the graph takes and the trained
 * ones' gradients and moments live in host Float32Arrays between steps — the trained ones in the AdamW kernel's
 * memory (adamWShard.ts) — fed to ONNX Runtime without a copy, the gradients written there by it, the weights
 * updated in place — instead of a round trip through tfjs each step. The tfjs variables and AdamW (whose
 * getWeights/setWeights the checkpoints use) are the record: the first step reads them (so a resumed
 * checkpoint is where it starts), and syncToModel writes them back before anything reads them.
 */
export class HostAdamW {
  private state: HostState | null = null;
  private unsynced = false;

  /**
   * `names`: the weights to hold (every input of the graph); `trained`: those that get updates.
   * `params`: the model's variables by parameter name; `optimizer`: the AdamW whose settings and state count.
   */
  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly optimizer: AdamW,
    private readonly names: readonly string[],
    private readonly trained: readonly string[],
  ) {}

  /** The optimizer of an ONNX step: every weight its graph takes, the trained ones updated. */
  static forStep(model: SequenceClassifier, optimizer: AdamW, runner: OnnxTrainStep): HostAdamW {
    return new HostAdamW(model.namedParams(), optimizer, runner.weightNames, runner.trained);
  }

  /** The weights by parameter name, read from the model on first use. */
  async weights(): Promise<ReadonlyMap<string, Float32Array>> {
    return (await this.held()).weights;
  }

  /** Arrays the step's graph may write the trained weights' gradients into: update then reads them where they are. */
  async gradients(): Promise<ReadonlyMap<string, Float32Array>> {
    return (await this.held()).grads;
  }

  /** One step from the trained weights' gradients, clipped first to a global norm of clipNorm when set. */
  async update(grads: ReadonlyMap<string, Float32Array>, clipNorm: number | null | undefined): Promise<void> {
    const s = await this.held();
    s.step++;
    const factors = adamWFactors(this.optimizer.settings, s.step);
    for (const [name, g] of s.grads) if (grads.get(name) !== g) g.set(grads.get(name)!);
    const scale = clipNorm ? clipScale(s.shards, clipNorm) : 1;
    for (const shard of s.shards) shard.update(factors, scale);
    this.unsynced = true;
  }

  /** Writes the trained weights, both moments and the step count back into the model and its AdamW. */
  async syncToModel(): Promise<void> {
    if (!this.state || !this.unsynced) return;
    const { shards, step } = this.state;
    // Copies: on the cpu backend a tensor keeps the array it is made from, and these change in place.
    const moments: NamedTensor[] = [{ name: 'step', tensor: tf.scalar(step, 'int32') }];
    for (const { weights, m, v } of shards)
      for (const [name, weight] of weights) {
        const p = this.params.get(name)!;
        tf.tidy(() => p.assign(tf.tensor(weight.slice(), p.shape)));
        moments.push({ name: `${p.name}/m`, tensor: tf.tensor(m.get(name)!.slice(), p.shape) });
        moments.push({ name: `${p.name}/v`, tensor: tf.tensor(v.get(name)!.slice(), p.shape) });
      }
    await this.optimizer.setWeights(moments);
    tf.dispose(moments.map((t) => t.tensor));
    this.unsynced = false;
  }

  private async held(): Promise<HostState> {
    this.state ??= await this.readModel();
    return this.state;
  }

  /**
   * The weights, and the AdamW's moments and step count: the trained weights and moments copied into the AdamW kernel's
   * memory, the others copied out of the model (the cpu backend hands out its own arrays).
   */
  private async readModel(): Promise<HostState> {
    const shards = adamWShards(this.trained.map((name) => ({ name, size: this.params.get(name)!.size })));
    const held = new Map(shards.flatMap((shard) => [...shard.weights]));
    const weights = new Map(
      this.names.map((name) => {
        const values = this.params.get(name)!.dataSync() as Float32Array;
        const view = held.get(name);
        view?.set(values);
        return [name, view ?? values.slice()];
      }),
    );
    const byVariable = new Map([...this.params].map(([name, p]) => [p.name, name]));
    const moments = { m: new Map(shards.flatMap((s) => [...s.m])), v: new Map(shards.flatMap((s) => [...s.v])) };
    let step = 0;
    for (const { name, tensor } of await this.optimizer.getWeights()) {
      if (name === 'step') {
        step = tensor.dataSync()[0];
        tensor.dispose();
        continue;
      }
      const slash = name.lastIndexOf('/');
      const [param, kind] = [byVariable.get(name.slice(0, slash)), name.slice(slash + 1) as 'm' | 'v'];
      if (param) moments[kind].get(param)?.set(tensor.dataSync() as Float32Array);
    }
    return { weights, grads: new Map(shards.flatMap((shard) => [...shard.grads])), shards, step };
  }
}
