import { parseArgs } from 'node:util';
import type { TextEncoding } from '../../common/textEncoding.js';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP, datasetId, withService } from '../serviceSession.js';
import { overridesFrom, RUN_CONFIG_FLAGS, RUN_CONFIG_FLAGS_HELP, runConfigFrom, type RunConfigFlags } from '../trainFlags.js';

const USAGE = `workbench runs add [--config run.json] [flags] [--vary FIELD=V1,V2 …] [--repeats N] [--data DIR] [--json]

Queues one run, or with --vary the cross product of the value lists (each run named after what
differs, e.g. "last-2 · dropout 0.1"). \`workbench queue run\` trains them.
With --repeats N every run is queued N times with training seeds seed, seed + 1, …: the same
messages in every split (the split seed stays fixed), a different head initialisation, shuffling
and dropout. Runs that differ only in the training seed form a group (runs compare, runs export --groups).

${RUN_CONFIG_FLAGS_HELP}
  --vary FIELD=V1,V2          a train flag's name without dashes and its values, e.g.
                              --vary dropout=0,0.1 --vary trainable=last-1,last-2; values that hold
                              commas themselves are separated by ";" (--vary "model=custom:2,64,4;custom:4,64,4")
${DATA_FLAG_HELP}
  --repeats N                 queue each run N times, with training seeds seed … seed + N − 1 (1 to 50; default 1)
  --json                      {"runs": [{"id", "name", "duplicateOf", "group"}]} as the last line of stdout
A --dataset FILE is imported into the data folder first (its rows are checked; errors refuse it
unless --skip-problem-rows, which leaves those rows out and records their lines with the data set).`;

type Json = Record<string, unknown>;

const VARIABLE = Object.keys(RUN_CONFIG_FLAGS).filter(
  (f) => RUN_CONFIG_FLAGS[f as keyof typeof RUN_CONFIG_FLAGS].type === 'string' && f !== 'name',
);

export const runsAddCommand: Command = {
  name: 'runs add',
  summary: 'queue a run, or a grid of runs (--vary)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...RUN_CONFIG_FLAGS,
        ...DATA_FLAG,
        config: { type: 'string' },
        vary: { type: 'string', multiple: true },
        repeats: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { config: configFile, vary = [], repeats: repeatsFlag, json, data, ...flags } = values;
    const repeats = repeatsFlag === undefined ? 1 : Number(repeatsFlag);
    if (!/^\d+$/.test(repeatsFlag ?? '1') || repeats < 1 || repeats > 50)
      throw new WorkbenchError(`runs add: --repeats takes a whole number from 1 to 50, got "${repeatsFlag}"`);
    const created = await withService(data, async (service) => {
      const fileFlags = overridesFrom({ encoding: flags.encoding, 'skip-problem-rows': flags['skip-problem-rows'] }).dataset as Json;
      const mapping = {
        textColumn: flags['text-column'],
        labelColumn: flags['label-column'],
        delimiter: flags.delimiter === 'tab' ? '\t' : flags.delimiter,
        ...(fileFlags as { encoding?: TextEncoding; skipProblemRows?: boolean }),
      };
      const resolveDataset = (source: string) => datasetId(service, source, mapping);
      let baseFlags: RunConfigFlags = flags;
      if (flags.dataset !== undefined) {
        const id = await resolveDataset(flags.dataset);
        // An imported file keeps its mapping with it.
        if (id !== flags.dataset)
          baseFlags = {
            ...flags,
            dataset: id,
            'text-column': undefined,
            'label-column': undefined,
            delimiter: undefined,
            encoding: undefined,
            'skip-problem-rows': undefined,
          };
      }
      const base = (await runConfigFrom(configFile, baseFlags)) as unknown as Json;
      const grid: Record<string, unknown[]> = {};
      for (const spec of vary) {
        const [field, values] = parseVary(spec);
        const overrides = await Promise.all(
          values.map(async (v) => overridesFrom({ [field]: field === 'dataset' ? await resolveDataset(v) : v })),
        );
        const [key] = Object.keys(overrides[0]);
        if (grid[key]) throw new WorkbenchError(`runs add: --vary ${field}: ${key} is varied twice`);
        // dataset and model are objects: a flag changes one of their fields.
        grid[key] = overrides.map((o) => (key === 'dataset' || key === 'model' ? { ...(base[key] as Json), ...(o[key] as Json) } : o[key]));
      }
      return service.createRuns({ base, vary: grid, repeats });
    });
    if (json) printJson({ runs: created });
    else {
      for (const r of created)
        process.stdout.write(
          `queued run ${r.id}: ${r.name}${repeats > 1 ? ` (group ${r.group})` : ''}${r.duplicateOf === null ? '' : ` (repeats run ${r.duplicateOf})`}\n`,
        );
    }
    return 0;
  },
};

function parseVary(spec: string): [string, string[]] {
  const eq = spec.indexOf('=');
  const field = spec.slice(0, eq);
  if (eq < 1 || !VARIABLE.includes(field))
    throw new WorkbenchError(`runs add: --vary takes FIELD=V1,V2 with FIELD one of ${VARIABLE.join(', ')}; got "${spec}"`);
  const values = spec
    .slice(eq + 1)
    .split(spec.includes(';') ? ';' : ',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 0) throw new WorkbenchError(`runs add: --vary ${field}= needs at least one value`);
  return [field, values];
}
