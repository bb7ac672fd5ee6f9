import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from '../adamw.js';

/** An AdamW's step count and moments, by trained-parameter index: variable names differ between engines. */
export interface OptimizerState {
  step: number;
  /** One per trained parameter; null before its first update. */
  moments: ({ m: Float32Array; v: Float32Array } | null)[];
}

/** `optimizer`'s state for `vars`, copied out of tfjs. */
export async function optimizerState(optimizer: AdamW, vars: tf.Variable[]): Promise<OptimizerState> {
  const saved = new Map((await optimizer.getWeights()).map(({ name, tensor }) => [name, tensor]));
  const host = async (name: string) => (await saved.get(name)!.data()) as Float32Array;
  const moments = await Promise.all(
    vars.map(async (v) => (saved.has(`${v.name}/m`) ? { m: await host(`${v.name}/m`), v: await host(`${v.name}/v`) } : null)),
  );
  const step = saved.get('step')!; // a fresh tensor; the moments are the optimizer's own
  const state = { step: (await step.data())[0], moments };
  step.dispose();
  return state;
}

/** Puts a state from optimizerState into `optimizer`, for the same parameters in the same order. */
export async function loadOptimizerState(optimizer: AdamW, vars: tf.Variable[], state: OptimizerState): Promise<void> {
  const tensors = [
    { name: 'step', tensor: tf.scalar(state.step, 'int32') },
    ...state.moments.flatMap((mo, i) =>
      mo
        ? [
            { name: `${vars[i].name}/m`, tensor: tf.tensor(mo.m, vars[i].shape) },
            { name: `${vars[i].name}/v`, tensor: tf.tensor(mo.v, vars[i].shape) },
          ]
        : [],
    ),
  ];
  await optimizer.setWeights(tensors);
  tf.dispose(tensors.map((t) => t.tensor));
}
