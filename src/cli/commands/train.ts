import { parseArgs } from 'node:util';
import { initBackend } from '../../core/model/backend.js';
import { runTraining, type RunResult } from '../../core/train/run.js';
import type { RunConfig } from '../../common/runConfig.js';
import { initInferenceReported } from '../inference.js';
import { printJson, type Command } from '../command.js';
import { percent, TrainProgress } from '../progressBar.js';
import { RUN_CONFIG_FLAGS, RUN_CONFIG_FLAGS_HELP, runConfigFrom } from '../trainFlags.js';

const USAGE = `workbench train [--config run.json] [flags] [--out DIR] [--checkpoint-dir DIR] [--json]

Fine-tunes GPT-2 as a classifier. With no flags: the book's chapter 6 recipe (pretrained GPT-2 small,
the balanced SMS Spam Collection, last block + final norm + head trained, 5 epochs).

${RUN_CONFIG_FLAGS_HELP}
  --out DIR                   save the trained classifier here (for workbench classify);
                              without --out it is not saved
  --checkpoint-dir DIR        save a checkpoint here at each epoch end; a run started with a
                              checkpoint there resumes from it
  --json                      one JSON object as the last line of stdout: {"backend", "inference", "config",
                              "accuracy", "loss", "gap", "confusion", "parameters", "padLength",
                              "seconds", "out", ...}; progress still goes to stderr
Progress goes to stderr. Ctrl-C cancels before the next step (exit 130); checkpoints stay.`;

export const trainCommand: Command = {
  name: 'train',
  summary: "fine-tune GPT-2 as a classifier (default: the book's chapter 6 recipe)",
  usage: USAGE,
  async run(argv) {
    const { config, out, checkpointDir, json } = await trainArguments(argv);
    await initBackend();
    await initInferenceReported('train');

    const progress = new TrainProgress();
    const controller = new AbortController();
    // Only the first Ctrl-C waits for the step to finish; a second one gets Node's default (exit at once).
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    let result: RunResult;
    try {
      result = await runTraining(config, { outDir: out, checkpointDir, signal: controller.signal, onEvent: progress.onEvent });
    } catch (err) {
      progress.finish();
      if (!controller.signal.aborted) throw err;
      process.stderr.write('cancelled\n');
      return 130;
    } finally {
      process.off('SIGINT', cancel);
    }
    progress.finish();
    if (json) printJson(jsonResult(result));
    else process.stdout.write(summary(result));
    return 0;
  },
};

/** The command line of `workbench train`, checked: the run config and where results go. */
export async function trainArguments(argv: string[]): Promise<{ config: RunConfig; out?: string; checkpointDir?: string; json?: boolean }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...RUN_CONFIG_FLAGS,
      config: { type: 'string' },
      out: { type: 'string' },
      'checkpoint-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const { config: configFile, out, 'checkpoint-dir': checkpointDir, json, ...flags } = values;
  return { config: await runConfigFrom(configFile, flags), out, checkpointDir, json };
}

/** The path of the forward-only work: the prefix cache's and the evaluations'. */
function inferenceOf(r: RunResult): string {
  return r.outcome.evaluation;
}

/** The training step's path, with the reason when it fell back to tfjs. */
function trainStepOf(r: RunResult): string {
  const { path, fallbackReason } = r.outcome.trainStep;
  return fallbackReason ? `${path} (${fallbackReason})` : path;
}

function jsonResult(r: RunResult): object {
  const { final } = r.outcome;
  const perSplit = <T>(pick: (m: (typeof final)['train']) => T) => ({
    train: pick(final.train),
    val: pick(final.val),
    test: pick(final.test),
  });
  return {
    backend: r.backend,
    inference: inferenceOf(r),
    trainStep: r.outcome.trainStep,
    config: r.config,
    labels: r.labels,
    accuracy: perSplit((m) => m.accuracy),
    loss: perSplit((m) => m.loss),
    gap: r.outcome.gap,
    confusion: perSplit((m) => m.confusion),
    parameters: r.parameters,
    padLength: r.padLength,
    dataset: r.dataset,
    steps: r.outcome.steps,
    stoppedEarly: r.outcome.stoppedEarly,
    bestEpoch: r.outcome.bestEpoch,
    seconds: r.seconds,
    out: r.out,
  };
}

/** The book's closing lines, plus what the workbench adds (gaps, parameters, backend, where it went). */
function summary(r: RunResult): string {
  const { final, gap, resumedFromEpoch, stoppedEarly, bestEpoch, history } = r.outcome;
  const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} points`;
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `Training accuracy: ${percent(final.train.accuracy)}`,
    `Validation accuracy: ${percent(final.val.accuracy)}`,
    `Test accuracy: ${percent(final.test.accuracy)}`,
    `Loss: train ${final.train.loss.toFixed(3)}, validation ${final.val.loss.toFixed(3)}, test ${final.test.loss.toFixed(3)}`,
    `Overfitting gap: train − validation ${points(gap.trainVal)}, train − test ${points(gap.trainTest)}`,
    `Trainable parameters: ${count(r.parameters.trainable)} of ${count(r.parameters.total)}`,
    `Backend: ${r.backend}; ${r.outcome.prefixCache ? 'frozen prefix and its evaluation' : 'evaluation'} on ${inferenceOf(r)}; training step on ${trainStepOf(r)}`,
  ];
  if (resumedFromEpoch !== null) lines.push(`Resumed from the checkpoint after epoch ${resumedFromEpoch + 1}`);
  if (stoppedEarly) lines.push(`Stopped early after epoch ${history.epochs.length} of ${r.config.epochs}`);
  if (bestEpoch !== null) lines.push(`Result: the weights of epoch ${bestEpoch + 1}, the best by validation loss`);
  lines.push(`Training completed in ${(r.seconds / 60).toFixed(2)} minutes.`);
  lines.push(
    r.out
      ? `Classifier saved to ${r.out} (use it: workbench classify --model ${r.out} "text")`
      : 'The classifier was not saved: give --out DIR to keep it.',
  );
  return `${lines.join('\n')}\n`;
}
