import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { percent } from '../progressBar.js';
import { accuracyText, gapText, runDetailRecord } from '../runRecord.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsShowCommand: Command = {
  name: 'runs show',
  summary: 'one run: config, curves, final metrics and confusion matrices',
  usage: `workbench runs show ID [--data DIR] [--json]

${DATA_FLAG_HELP}
  --json                      the runs list fields plus "loss", "confusion", "curves" ({"evals", "epochs"}),
                              "labels", "parameters", "backend" as the last line of stdout`,
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
    const lines = [
      `run ${run.id}: ${run.name} (${run.status})`,
      `data set: ${run.datasetName}`,
      `differs from the book: ${run.differences || 'nothing'}`,
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
    if (run.accuracy) lines.push(`final: ${accuracyText(run.accuracy)} · ${gapText(run.gap)}`);
    if (run.evaluation) {
      for (const split of ['train', 'val', 'test'] as const) {
        const rows = run.evaluation[split].confusion.map((row, i) => `${run.labels[i]}→[${row.join(' ')}]`).join(' ');
        lines.push(`confusion (${split}, rows true, columns ${run.labels.join('/')}): ${rows}`);
      }
    }
    if (run.seconds !== null) lines.push(`took ${run.seconds.toFixed(1)} s${run.backend ? ` on ${run.backend}` : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
