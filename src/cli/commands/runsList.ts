import { parseArgs } from 'node:util';
import { LOCAL_HOST } from '../../service/hosts.js';
import { printJson, type Command } from '../command.js';
import { accuracyText, gapText, runRecord } from '../runRecord.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsListCommand: Command = {
  name: 'runs list',
  summary: 'list the runs: status, accuracies, overfitting gaps',
  usage: `workbench runs list [--data DIR] [--json]

${DATA_FLAG_HELP}
  --json                      {"runs": [{"id", "name", "status", "config", "accuracy": {"train", "val", "test"},
                              "gap": {"trainVal", "trainTest"}, "seconds", "error", "host"}]} as the last line of stdout;
                              "host" is "local" (trained here), a training host's name, or null (not started)`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
    const runs = await withService(values.data, (service) => service.listRuns());
    if (values.json) printJson({ runs: runs.map(runRecord) });
    else if (runs.length === 0) process.stdout.write('no runs yet (queue some with workbench runs add)\n');
    else {
      for (const r of runs) {
        const detail = r.status === 'failed' ? r.error : [accuracyText(r.accuracy), gapText(r.gap)].filter(Boolean).join(' · ');
        const host = r.host && r.host !== LOCAL_HOST ? `  (on ${r.host})` : '';
        process.stdout.write(`${String(r.id).padStart(4)}  ${r.status.padEnd(9)}  ${r.name}${host}${detail ? `  —  ${detail}` : ''}\n`);
      }
    }
    return 0;
  },
};
