import * as tf from '@tensorflow/tfjs-core';
import type { OnnxTrainStep } from '../model/onnx/trainRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { adamWFactors, type AdamW, type AdamWFactors, type NamedTensor } from './adamw.js';

/**
 * One AdamW update of one weight, in place and in one pass (adamw.ts's formula, g scaled by `scale` first):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p·(1 − lr·wd) − stepSize · m / (√v / √(1−β2ᵗ) + ε)
 * In float64 between float32 loads and stores: the moments are read back as stored, as PyTorch's are. A pass
 * that rounds every intermediate to float32 (Math.fround) measured 3–4× slower here (README, Performance).
 */
export function adamWPass(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, f: AdamWFactors, scale = 1): void {
  const { decay, beta1, beta2, biasCorrection2Sqrt, epsilon, stepSize } = f;
  const [gainM, gainV] = [1 - beta1, 1 - beta2];
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * scale;
    m[i] = beta1 * m[i] + gainM * gi;
    v[i] = beta2 * v[i] + gainV * gi * gi;
    p[i] = p[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / biasCorrection2Sqrt + epsilon);
  }
}

/** The factor min(1, maxNorm / (‖g‖ + 1e-6)) of torch.nn.utils.clip_grad_norm_, over every gradient. */
export function hostClipScale(grads: Iterable<Float32Array>, maxNorm: number): number {
  let squares = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
  return Math.min(1, maxNorm / (Math.sqrt(squares) + 1e-6));
}

interface HostState {
  weights: Map<string, Float32Array>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
  step: number;
}

/**
 * AdamW for the ONNX training step (step.ts onnxTrainStep): the weights the graph takes and the trained
 * ones' moments live in host Float32Arrays between steps — fed to ONNX Runtime without a copy, updated
 * in place — instead of a round trip through tfjs each step. The tfjs variables and AdamW (whose
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

  /** One step from the trained weights' gradients, clipped first to a global norm of clipNorm when set. */
  async update(grads: ReadonlyMap<string, Float32Array>, clipNorm: number | null | undefined): Promise<void> {
    const s = await this.held();
    s.step++;
    const factors = adamWFactors(this.optimizer.settings, s.step);
    const scale = clipNorm ? hostClipScale(grads.values(), clipNorm) : 1;
    for (const name of this.trained) adamWPass(s.weights.get(name)!, grads.get(name)!, s.m.get(name)!, s.v.get(name)!, factors, scale);
    this.unsynced = true;
  }

  /** Writes the trained weights, both moments and the step count back into the model and its AdamW. */
  async syncToModel(): Promise<void> {
    if (!this.state || !this.unsynced) return;
    const { weights, m, v, step } = this.state;
    // Copies: on the cpu backend a tensor keeps the array it is made from, and these change in place.
    const moments: NamedTensor[] = [{ name: 'step', tensor: tf.scalar(step, 'int32') }];
    for (const name of this.trained) {
      const p = this.params.get(name)!;
      tf.tidy(() => p.assign(tf.tensor(weights.get(name)!.slice(), p.shape)));
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

  /** Copies (the cpu backend hands out its own arrays) of the weights, and the AdamW's moments and step count. */
  private async readModel(): Promise<HostState> {
    const weights = new Map(this.names.map((name) => [name, (this.params.get(name)!.dataSync() as Float32Array).slice()]));
    const byVariable = new Map([...this.params].map(([name, p]) => [p.name, name]));
    const saved = new Map<string, Float32Array>();
    let step = 0;
    for (const { name, tensor } of await this.optimizer.getWeights()) {
      if (name === 'step') {
        step = tensor.dataSync()[0];
        tensor.dispose();
        continue;
      }
      const slash = name.lastIndexOf('/');
      const param = byVariable.get(name.slice(0, slash));
      if (param) saved.set(`${name.slice(slash + 1)}/${param}`, (tensor.dataSync() as Float32Array).slice());
    }
    const moment = (kind: 'm' | 'v', name: string) => saved.get(`${kind}/${name}`) ?? new Float32Array(weights.get(name)!.length);
    return {
      weights,
      m: new Map(this.trained.map((name) => [name, moment('m', name)])),
      v: new Map(this.trained.map((name) => [name, moment('v', name)])),
      step,
    };
  }
}
