import { parseArgs } from 'node:util';
import type { RunDetail } from '../../common/api.js';
import { prefixText } from '../../common/prefixText.js';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { percent } from '../progressBar.js';
import { accuracyLines, gapLines, perClassTable, runDetailRecord, SPLITS } from '../runRecord.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsShowCommand: Command = {
  name: 'runs show',
  summary: 'one run: config, curves, final metrics with intervals, per-class figures and confusion matrices',
  usage: `workbench runs show ID [--data DIR] [--json]

Each accuracy is shown with its 95% Wilson interval, each overfitting gap with its 95% Newcombe
interval, and every split with each label's precision, recall and F1 and the macro-F1.
${DATA_FLAG_HELP}
  --json                      the runs list fields plus "loss", "confusion", "count" (messages per split),
                              "perClass" ({SPLIT: {LABEL: {"precision", "recall", "f1", "support"}}}),
                              "macroF1" ({"train", "val", "test"}), "curves" ({"evals", "epochs"}), "labels",
                              "parameters", "backend", "hosts" (every host it trained on, in order), "splitKey",
                              "prefixCache" ({"k", "examples", "inference", "source": "computed" or "store", "from" (computed
                              above a depth read from the store), "trail" ({"depth", "source": "read" or "written"})},
                              null without one) as the last line of stdout (fractions; "intervals" and "gapIntervals"
                              are [low, high])`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
    const id = Number(positionals[0]);
    if (positionals.length !== 1 || !Number.isInteger(id) || id < 1)
      throw new WorkbenchError('runs show: give one run id, e.g. workbench runs show 3');
    const run = await withService(values.data, (service) => service.getRun(id));
    if (values.json) {
      printJson(runDetailRecord(run));
      return 0;
    }
    process.stdout.write(`${runText(run).join('\n')}\n`);
    return 0;
  },
};

function runText(run: RunDetail): string[] {
  const lines = [
    `run ${run.id}: ${run.name} (${run.status})`,
    `data set: ${run.datasetName}`,
    `differs from the book: ${run.differences || 'nothing'}`,
    `seed ${run.config.seed}, split seed ${run.config.splitSeed ?? run.config.seed} · group ${run.group} (runs that differ only in the seed)`,
  ];
  if (run.parameters)
    lines.push(
      `trainable parameters: ${run.parameters.trainable.toLocaleString('en-US')} of ${run.parameters.total.toLocaleString('en-US')}`,
    );
  if (run.error) lines.push(`error: ${run.error}`);
  for (const p of run.curves.epochs)
    lines.push(
      `epoch ${p.epoch + 1}: train ${percent(p.trainAccuracy)} · val ${percent(p.valAccuracy)} · val loss ${p.valLoss.toFixed(3)}`,
    );
  const e = run.evaluation;
  if (run.accuracy) {
    const counts = e ? ` on ${e.train.count} / ${e.val.count} / ${e.test.count} messages` : '';
    lines.push(`final accuracy${counts}:`, ...accuracyLines(run.accuracy, run.intervals));
  }
  if (run.gap) lines.push('overfitting gaps:', ...gapLines(run.gap, run.gapIntervals));
  if (run.perClass && run.macroF1) {
    for (const split of SPLITS) {
      lines.push(
        `per class (${split}${e ? `, ${e[split].count} messages` : ''}):`,
        ...perClassTable(run.perClass[split], run.macroF1[split]),
      );
    }
  }
  if (e) {
    for (const split of SPLITS) {
      const rows = e[split].confusion.map((row, i) => `${run.labels[i]}→[${row.join(' ')}]`).join(' ');
      lines.push(`confusion (${split}, rows true, columns ${run.labels.join('/')}): ${rows}`);
    }
  }
  if (run.status === 'finished')
    lines.push(
      run.hasPredictions
        ? `predictions kept for every message: workbench runs errors ${run.id} lists its mistakes`
        : 'no predictions kept (the run finished before this version of the workbench): its mistakes cannot be listed nor paired in runs compare',
    );
  if (run.prefixCache) lines.push(`frozen prefix: ${prefixText(run.prefixCache)}`);
  if (run.seconds !== null) lines.push(`took ${run.seconds.toFixed(1)} s${run.backend ? ` on ${run.backend}` : ''}`);
  return lines;
}
