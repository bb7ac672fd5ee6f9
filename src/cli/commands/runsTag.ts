import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { runId } from '../runIds.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsTagCommand: Command = {
  name: 'runs tag',
  summary: "set a run's tags (the Runs page filters by them; export carries them)",
  usage: `workbench runs tag ID [TAG …] [--add] [--remove] [--data DIR] [--json]

Replaces the run's tags with the TAGs given (none: clears them); a tag is a word or phrase without commas.
  --add                       add the TAGs to the run's tags instead
  --remove                    remove the TAGs from the run's tags instead
${DATA_FLAG_HELP}
  --json                      {"id", "tags"} as the last line of stdout`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...DATA_FLAG, add: { type: 'boolean' }, remove: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const id = runId('runs tag', positionals[0], 'workbench runs tag 3 baseline "dropout study"');
    const given = positionals.slice(1);
    if (values.add && values.remove) throw new WorkbenchError('runs tag: --add and --remove cannot go together');
    const tags = await withService(values.data, async (service) => {
      const current = (await service.getRun(id)).tags;
      const next = values.add ? [...current, ...given] : values.remove ? current.filter((t) => !given.includes(t)) : given;
      await service.setRunTags(id, next);
      return (await service.getRun(id)).tags;
    });
    if (values.json) printJson({ id, tags });
    else process.stdout.write(`run ${id}: ${tags.length ? tags.join(', ') : 'no tags'}\n`);
    return 0;
  },
};

export const runsNoteCommand: Command = {
  name: 'runs note',
  summary: 'set the note of a run',
  usage: `workbench runs note ID [TEXT] [--data DIR] [--json]

Sets the run's note to TEXT (several words are joined with spaces; none clears it).
${DATA_FLAG_HELP}
  --json                      {"id", "note"} as the last line of stdout`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
    const id = runId('runs note', positionals[0], 'workbench runs note 3 "dropout 0.1 overfits less"');
    const note = positionals.slice(1).join(' ');
    await withService(values.data, (service) => service.setRunNote(id, note));
    if (values.json) printJson({ id, note });
    else process.stdout.write(note ? `run ${id}: note set\n` : `run ${id}: note cleared\n`);
    return 0;
  },
};
