import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { tokenize } from '../../core/data/tokenizer.js';
import { WorkbenchError } from '../../core/errors.js';
import { initBackend } from '../../core/model/backend.js';
import { GPT2 } from '../../core/model/gpt2.js';
import { loadGpt2Checkpoint } from '../../core/model/gpt2Checkpoint.js';
import { idsTensor } from '../../core/model/ops.js';
import { printJson, type Command } from '../command.js';

function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) throw new WorkbenchError(`--ids must be comma-separated token ids, got "${text}"`);
  return ids;
}

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'run GPT-2 on a text: final hidden states and the top-5 next tokens',
  usage: 'workbench forward --weights FILE [--config FILE] (--text "…" | --ids 1,2,3) [--json]',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { weights: { type: 'string' }, config: { type: 'string' }, text: { type: 'string' }, ids: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!values.weights) throw new WorkbenchError('forward: --weights FILE is required');
    if ((values.text === undefined) === (values.ids === undefined)) throw new WorkbenchError('forward: give exactly one of --text or --ids');
    const ids = values.ids !== undefined ? parseIds(values.ids) : tokenize(values.text!);
    if (ids.length === 0) throw new WorkbenchError('forward: the text has no tokens');
    const backend = await initBackend();
    const { config, tensors } = await loadGpt2Checkpoint(values.weights, { configPath: values.config });
    const bad = ids.find((id) => id >= config.vocabSize);
    if (bad !== undefined) throw new WorkbenchError(`forward: token id ${bad} is outside the vocabulary (size ${config.vocabSize})`);
    const gpt = GPT2.fromTensors(config, tensors);
    const [hidden, topIds, topLogits] = tf.tidy(() => {
      const h = tf.squeeze(gpt.forward(idsTensor([ids])), [0]) as tf.Tensor2D;
      const logits = tf.squeeze(gpt.lmLogits(tf.slice(h, [ids.length - 1, 0], [1, -1])), [0]);
      const { values: v, indices } = tf.topk(logits, 5);
      return [h, indices, v];
    });
    const result = {
      backend,
      ids,
      shape: hidden.shape,
      hidden: Array.from(await hidden.data()),
      top5: Array.from(await topIds.data()).map((id, i) => ({ id, logit: topLogits.dataSync()[i] })),
    };
    if (values.json) printJson(result);
    else {
      process.stdout.write(`backend ${backend}, ${ids.length} tokens, hidden states [${result.shape.join(', ')}]\n`);
      for (const { id, logit } of result.top5) process.stdout.write(`  next token ${id}\tlogit ${logit.toFixed(4)}\n`);
    }
    return 0;
  },
};
