import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../model/backend.js';
import { EVAL } from '../../model/block.js';
import { GPT2 } from '../../model/gpt2.js';
import { loadGradients } from '../../model/gradients.js';
import { SequenceClassifier } from '../../model/sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../../model/trainable.js';
import { batchGradients } from '../step.js';
import { prefixTensor } from './prefixTensor.js';
import type { ShardRequest, ThreadInit, ThreadReply } from './protocol.js';

/*
 * A training thread: its own tfjs engine and backend holding a copy of the model. It answers each
 * shard with the shard's mean loss and gradients; the parent averages them and applies the update.
 */

async function buildModel(init: ThreadInit): Promise<{ model: SequenceClassifier; trained: tf.Variable[] }> {
  await initBackend(init.backend);
  await loadGradients();
  const head = { weight: init.weights.get(HEAD_WEIGHT)!, bias: init.weights.get(HEAD_BIAS)! };
  const model = new SequenceClassifier(GPT2.fromTensors(init.config, init.weights), init.numClasses, init.pooling, init.seed, head);
  model.setTrainable(init.trainable); // adds LoRA adapters when the spec has them
  model.assignTensors(init.weights, 'training thread');
  const params = model.namedParams();
  return { model, trained: init.trained.map((name) => params.get(name)!) };
}

function shardGradients(trained: tf.Variable[], model: SequenceClassifier, req: ShardRequest): ThreadReply {
  let reply: ThreadReply | null = null;
  tf.tidy(() => {
    trained.forEach((v, i) => v.assign(tf.tensor(req.trainedValues[i], v.shape)));
    const { value, grads } = batchGradients(model, trained, req.batch, EVAL, prefixTensor(req, model.gpt.config.nEmbd));
    // Copies: the backend may hand out its own buffers, which must not be transferred away.
    reply = {
      type: 'grads',
      id: req.id,
      loss: value.dataSync()[0],
      grads: trained.map((v) => Float32Array.from(grads[v.name].dataSync())),
    };
  });
  return reply!;
}

const port = parentPort!;
const post = (reply: ThreadReply) => port.postMessage(reply, reply.type === 'grads' ? reply.grads.map((g) => g.buffer) : []);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

try {
  const { model, trained } = await buildModel(workerData as ThreadInit);
  port.on('message', (req: ShardRequest) => {
    try {
      post(shardGradients(trained, model, req));
    } catch (err) {
      post({ type: 'error', message: message(err) });
    }
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: message(err) });
}
