import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../model/backend.js';
import { GPT2 } from '../../model/gpt2.js';
import { loadGradients } from '../../model/gradients.js';
import { SequenceClassifier } from '../../model/sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../../model/trainable.js';
import { AdamW } from '../adamw.js';
import { loadOptimizerState } from './optimizerState.js';
import type { ThreadInit, ThreadReply, ThreadRequest } from './protocol.js';
import { Replica } from './replica.js';

/*
 * A training thread: its own tfjs engine and backend holding a replica of the model and of the
 * optimizer state of the parameters it updates. It answers each phase of a step as the parent runs it.
 */

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
  const { step, moments } = init.optimizer.state;
  const owned = moments.map((mo, i) => (init.shared.owner[i] === init.index ? mo : null));
  await loadOptimizerState(optimizer, trained, { step, moments: owned });
  return new Replica(model, trained, optimizer, init.shared, init.index);
}

async function answer(replica: Replica, req: ThreadRequest): Promise<ThreadReply> {
  switch (req.type) {
    case 'shard':
      replica.pull(); // the last step's updates are all in by now
      return { type: 'loss', loss: req.shard ? replica.shard(req.shard) : NaN };
    case 'norm':
      return { type: 'norm', squared: replica.squaredNorms(req.shardWeights) };
    case 'update':
      replica.update(req.shardWeights, req.scale);
      return { type: 'updated' };
    case 'state':
      return { type: 'state', state: await replica.optimizerState() };
  }
}

const port = parentPort!;
const post = (reply: ThreadReply) => port.postMessage(reply);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

try {
  const replica = await buildReplica(workerData as ThreadInit);
  // One request at a time, in order: the parent sends the next only after this one's answer.
  port.on('message', (req: ThreadRequest) => {
    answer(replica, req).then(post, (err: unknown) => post({ type: 'error', message: message(err) }));
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: message(err) });
}
