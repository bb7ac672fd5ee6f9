import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { tokenize } from '../../core/data/tokenizer.js';
import { WorkbenchError } from '../../core/errors.js';
import { initBackend } from '../../core/model/backend.js';
import { GPT2 } from '../../core/model/gpt2.js';
import { loadGpt2Checkpoint } from '../../core/model/gpt2Checkpoint.js';
import { idsTensor } from '../../core/model/ops.js';
import type { GPT2Config } from '../../core/model/config.js';
import { Gpt2Session } from '../../core/model/onnx/session.js';
import type { TensorMap } from '../../core/model/tensorMap.js';
import { printJson, type Command } from '../command.js';
import { initInferenceReported } from '../inference.js';

function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0))
    throw new WorkbenchError(`--ids must be comma-separated token ids, got "${text}"`);
  return ids;
}

interface ForwardResult {
  hidden: Float32Array;
  top5: { id: number; logit: number }[];
}

/** The 5 largest logits, best first. */
function topFive(logits: Float32Array): { id: number; logit: number }[] {
  return Array.from(logits.keys())
    .sort((a, b) => logits[b] - logits[a])
    .slice(0, 5)
    .map((id) => ({ id, logit: logits[id] }));
}

async function onnxForward(config: GPT2Config, tensors: TensorMap, ids: number[]): Promise<ForwardResult> {
  const session = await Gpt2Session.create(config, tensors, { from: 0, to: config.nLayer, normed: true, lmLast: true });
  try {
    const { normed, lm_last } = await session.run({ ids: session.ids([ids]) }, ['normed', 'lm_last']);
    return { hidden: normed.data, top5: topFive(lm_last.data) };
  } finally {
    await session.dispose();
  }
}

async function tfjsForward(gpt: GPT2, ids: number[]): Promise<ForwardResult> {
  const [hidden, logits] = tf.tidy(() => {
    const h = tf.squeeze(gpt.forward(idsTensor([ids])), [0]) as tf.Tensor2D;
    return [h, tf.squeeze(gpt.lmLogits(tf.slice(h, [ids.length - 1, 0], [1, -1])), [0])];
  });
  const result = { hidden: (await hidden.data()) as Float32Array, top5: topFive((await logits.data()) as Float32Array) };
  tf.dispose([hidden, logits]);
  gpt.dispose();
  return result;
}

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'run GPT-2 on a text: final hidden states and the top-5 next tokens',
  usage: 'workbench forward --weights FILE [--config FILE] (--text "…" | --ids 1,2,3) [--json]',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        weights: { type: 'string' },
        config: { type: 'string' },
        text: { type: 'string' },
        ids: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (!values.weights) throw new WorkbenchError('forward: --weights FILE is required');
    if ((values.text === undefined) === (values.ids === undefined))
      throw new WorkbenchError('forward: give exactly one of --text or --ids');
    const ids = values.ids !== undefined ? parseIds(values.ids) : tokenize(values.text!);
    if (ids.length === 0) throw new WorkbenchError('forward: the text has no tokens');
    const backend = await initBackend();
    const inference = await initInferenceReported('forward');
    const { config, tensors } = await loadGpt2Checkpoint(values.weights, { configPath: values.config });
    const bad = ids.find((id) => id >= config.vocabSize);
    if (bad !== undefined) throw new WorkbenchError(`forward: token id ${bad} is outside the vocabulary (size ${config.vocabSize})`);
    const { hidden, top5 } =
      inference === 'onnx' ? await onnxForward(config, tensors, ids) : await tfjsForward(GPT2.fromTensors(config, tensors), ids);
    const result = { backend, inference, ids, shape: [ids.length, config.nEmbd], hidden: Array.from(hidden), top5 };
    if (values.json) printJson(result);
    else {
      process.stdout.write(
        `backend ${backend}, inference ${inference}, ${ids.length} tokens, hidden states [${result.shape.join(', ')}]\n`,
      );
      for (const { id, logit } of result.top5) process.stdout.write(`  next token ${id}\tlogit ${logit.toFixed(4)}\n`);
    }
    return 0;
  },
};
