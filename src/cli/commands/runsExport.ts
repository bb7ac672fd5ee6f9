import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsExportCommand: Command = {
  name: 'runs export',
  summary: 'one row per run, or per group of repeats (--groups), as CSV or JSON',
  usage: `workbench runs export [--groups] [--format csv|json] [--out FILE] [--data DIR]

One row per run: id, name, status, data set, group, tags, note, every config field that is not the same in all
runs, accuracy per split with its 95% Wilson interval (_lo, _hi), the overfitting gaps (train − val,
train − test) with their 95% Newcombe intervals, macro-F1 per split and the duration in seconds.
Accuracies, gaps and intervals are fractions; a run that has not finished leaves them empty.
  --groups                    one row per group of finished runs that differ only in the training seed:
                              group, name, n, runs, the config fields that differ between groups, and per
                              accuracy and gap its mean, sd and the 95% t-interval of the mean (_ci_lo, _ci_hi;
                              sd and interval empty for n = 1)
  --format F                  csv (default) or json: {"runs": [row, …]} or with --groups {"groups": [row, …]}
  --out FILE                  write to FILE instead of stdout
${DATA_FLAG_HELP}`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { ...DATA_FLAG, format: { type: 'string', default: 'csv' }, out: { type: 'string' }, groups: { type: 'boolean' } },
    });
    if (values.format !== 'csv' && values.format !== 'json')
      throw new WorkbenchError(`runs export: --format is csv or json, got "${values.format}"`);
    const { text } = await withService(values.data, (service) =>
      service.exportRuns({ format: values.format as 'csv' | 'json', groups: values.groups ?? false }),
    );
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    return 0;
  },
};
