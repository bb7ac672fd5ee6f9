import * as tf from '@tensorflow/tfjs-core';

export interface AdamWSettings {
  learningRate: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** tfjs's own NamedTensor type is not exported from its index. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** AdamW's per-step factors, from its settings and the step count t (1-based). */
export interface AdamWFactors {
  decay: number; // 1 − lr·wd
  beta1: number;
  beta2: number;
  biasCorrection2Sqrt: number; // √(1 − β2ᵗ)
  epsilon: number;
  stepSize: number; // lr / (1 − β1ᵗ)
}

export function adamWFactors(s: Required<AdamWSettings>, t: number): AdamWFactors {
  return {
    decay: 1 - s.learningRate * s.weightDecay,
    beta1: s.beta1,
    beta2: s.beta2,
    biasCorrection2Sqrt: Math.sqrt(1 - s.beta2 ** t),
    epsilon: s.epsilon,
    stepSize: s.learningRate / (1 - s.beta1 ** t),
  };
}

interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam with decoupled weight decay, exactly as PyTorch's torch.optim.AdamW:
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
 * tfjs's Adam has no weight decay, and L2-in-the-loss is not the same thing.
 */
export class AdamW extends tf.Optimizer {
  static get className(): string {
    return 'AdamW';
  }

  learningRate: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly moments = new Map<string, Moments>();
  private step = 0;

  constructor(s: AdamWSettings) {
    super();
    this.learningRate = s.learningRate;
    this.weightDecay = s.weightDecay;
    this.beta1 = s.beta1 ?? 0.9;
    this.beta2 = s.beta2 ?? 0.999;
    this.epsilon = s.epsilon ?? 1e-8;
  }

  private momentsOf(name: string, like: tf.Tensor): Moments {
    let mo = this.moments.get(name);
    if (!mo) {
      mo = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(like), false), v: tf.variable(tf.zerosLike(like), false) }));
      this.moments.set(name, mo);
    }
    return mo;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.step++;
    const f = adamWFactors(this.settings, this.step);
    tf.tidy(() => {
      for (const { name, tensor: g } of grads) {
        const p = tf.engine().registeredVariables[name];
        if (!p || !g) continue;
        const mo = this.momentsOf(name, p);
        const m = tf.add(tf.mul(mo.m, f.beta1), tf.mul(g, 1 - f.beta1));
        const v = tf.add(tf.mul(mo.v, f.beta2), tf.mul(tf.mul(g, g), 1 - f.beta2));
        mo.m.assign(m);
        mo.v.assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), f.biasCorrection2Sqrt), f.epsilon);
        const decayed = tf.mul(p, f.decay);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), f.stepSize)));
      }
    });
    this.incrementIterations();
  }

  /** Step count and both moments of every variable, for checkpoints (names are the variables'). */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'step', tensor: tf.scalar(this.step, 'int32') }];
    for (const [name, { m, v }] of this.moments) {
      out.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    }
    return out;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    for (const { name, tensor } of weights) {
      if (name === 'step') {
        this.step = (await tensor.data())[0];
        continue;
      }
      const slash = name.lastIndexOf('/');
      const varName = name.slice(0, slash);
      const mo = this.momentsOf(varName, tensor);
      (name.endsWith('/m') ? mo.m : mo.v).assign(tensor);
    }
  }

  get settings(): Required<AdamWSettings> {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.settings };
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
    super.dispose();
  }
}
