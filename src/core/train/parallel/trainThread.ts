import { parentPort, workerData } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../model/backend.js';
import { GPT2 } from '../../model/gpt2.js';
import { loadGradients } from '../../model/gradients.js';
import { SequenceClassifier } from '../../model/sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../../model/trainable.js';
import { AdamW } from '../adamw.js';
import { loadOptimizerState } from './optimizerState.js';
import type { ThreadInit, ThreadReply, ThreadRequest } from './protocol.js';
import { averagedStep, shardGradients } from './replicaStep.js';

/*
 * A training thread: its own tfjs engine and backend holding a replica of the model and optimizer.
 * It computes shards' gradients into its slot and applies each step's update as the parent does.
 */

interface Replica {
  model: SequenceClassifier;
  trained: tf.Variable[];
  optimizer: AdamW;
}

async function buildReplica(init: ThreadInit): Promise<Replica> {
  await initBackend(init.backend);
  await loadGradients();
  const head = { weight: init.weights.get(HEAD_WEIGHT)!, bias: init.weights.get(HEAD_BIAS)! };
  const model = new SequenceClassifier(GPT2.fromTensors(init.config, init.weights), init.numClasses, init.pooling, init.seed, head);
  model.setTrainable(init.trainable); // adds LoRA adapters when the spec has them
  model.assignTensors(init.weights, 'training thread');
  const params = model.namedParams();
  const trained = init.trained.map((name) => params.get(name)!);
  const optimizer = new AdamW(init.optimizer.settings);
  await loadOptimizerState(optimizer, trained, init.optimizer.state);
  return { model, trained, optimizer };
}

function answer({ model, trained, optimizer }: Replica, init: ThreadInit, req: ThreadRequest): ThreadReply {
  if (req.type === 'shard') return { type: 'grads', loss: shardGradients(model, trained, req, init.slots[init.index]) };
  averagedStep(optimizer, trained, init.slots, req.shardWeights, req.clipNorm);
  return { type: 'applied' };
}

const port = parentPort!;
const post = (reply: ThreadReply) => port.postMessage(reply);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

try {
  const init = workerData as ThreadInit;
  const replica = await buildReplica(init);
  port.on('message', (req: ThreadRequest) => {
    try {
      post(answer(replica, init, req));
    } catch (err) {
      post({ type: 'error', message: message(err) });
    }
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: message(err) });
}
