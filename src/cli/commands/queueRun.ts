import { parseArgs } from 'node:util';
import type { WorkbenchEvent } from '../../common/api.js';
import { printJson, type Command } from '../command.js';
import { percent } from '../progressBar.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const queueRunCommand: Command = {
  name: 'queue run',
  summary: 'train the queued runs in order, each in its own process, until none is left',
  usage: `workbench queue run [--data DIR] [--json]

Trains the queued runs one after another (each in a training process of its own) and exits 0 when
none is left. A run that was running when the workbench stopped resumes from its last epoch
checkpoint. Ctrl-C stops; the interrupted run resumes the next time.
${DATA_FLAG_HELP}
  --json                      {"runs": [{"id", "name", "status", "error"}]} (the runs it trained) as the last line of stdout
Progress goes to stderr.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
    let interrupted = false;
    const trained = await withService(values.data, async (service) => {
      const touched = new Set<number>();
      const names = new Map((await service.listRuns()).map((r) => [r.id, r.name]));
      const say = (line: string) => process.stderr.write(`${line}\n`);
      service.onEvent((e: WorkbenchEvent) => {
        if (e.type === 'runs-changed') void service.listRuns().then((runs) => runs.forEach((r) => names.set(r.id, r.name)));
        if (e.type === 'run-status') {
          touched.add(e.runId);
          const name = names.get(e.runId) ?? '';
          say(`run ${e.runId} ${name}: ${e.status}${e.error ? `: ${e.error}` : ''}`);
        }
        if (e.type === 'run-epoch')
          say(`run ${e.runId}: epoch ${e.point.epoch + 1}: train ${percent(e.point.trainAccuracy)} · val ${percent(e.point.valAccuracy)}`);
      });
      const stop = () => {
        interrupted = true;
        void service.close();
      };
      process.once('SIGINT', stop);
      try {
        service.startQueue();
        await service.whenIdle();
      } finally {
        process.off('SIGINT', stop);
      }
      if (!interrupted && (await service.getQueueState()).paused) say('the queue is paused (resume it in the app, or with setQueuePaused)');
      const runs = interrupted ? [] : await service.listRuns();
      return runs.filter((r) => touched.has(r.id)).map((r) => ({ id: r.id, name: r.name, status: r.status, error: r.error }));
    });
    if (interrupted) {
      process.stderr.write('stopped; the interrupted run resumes with the next workbench queue run\n');
      return 130;
    }
    if (values.json) printJson({ runs: trained });
    else
      process.stdout.write(
        `${trained.length} run${trained.length === 1 ? '' : 's'} trained: ${trained.filter((r) => r.status === 'finished').length} finished, ${trained.filter((r) => r.status === 'failed').length} failed\n`,
      );
    return 0;
  },
};
