import { parseArgs } from 'node:util';
import type { Disagreements, EvalSplit, RunErrors } from '../../common/api.js';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { runId, splitFlag } from '../runIds.js';
import { table } from '../runRecord.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

const SPLITS = ['test', 'val', 'train'] as const satisfies readonly EvalSplit[];
const SPLIT_WORD: Record<EvalSplit, string> = { train: 'training', val: 'validation', test: 'test' };

export const runsErrorsCommand: Command = {
  name: 'runs errors',
  summary: "a run's misclassified messages, or where two runs disagree (--vs)",
  usage: `workbench runs errors ID [--split test|val|train] [--vs ID] [--label L] [--predicted L] [--limit N] [--data DIR] [--json]

Every message of a split the finished run gets wrong, with its true label, the predicted label and
the predicted label's probability, most confident mistakes first. With --vs ID: the messages one of
the two runs gets right and the other wrong (McNemar's two counts in runs compare), with both predictions.
  --split S                   test (default), val or train
  --vs ID                     list the disagreements of the two runs (both finished, on the same messages)
  --label L, --predicted L    only mistakes of this true label / predicted as this label (not with --vs)
  --limit N                   at most N messages (default: all)
${DATA_FLAG_HELP}
  --json                      {"split", "count", "errors": [{"index", "text", "label", "predicted", "confidence"}]}, or
                              with --vs {"split", "count", "a", "b", "aOnlyRight", "bOnlyRight", "disagreements":
                              [{"index", "text", "label", "a", "b", "aConfidence", "bConfidence"}]} as the last line
                              of stdout ("index": the message's place in the split; "count": messages in the split)`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...DATA_FLAG,
        split: { type: 'string' },
        vs: { type: 'string' },
        label: { type: 'string' },
        predicted: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const example = 'workbench runs errors 3 --split test';
    if (positionals.length !== 1) throw new WorkbenchError(`runs errors: give one run id, e.g. ${example}`);
    const id = runId('runs errors', positionals[0], example);
    const vs = values.vs === undefined ? undefined : runId('runs errors --vs', values.vs, 'workbench runs errors 3 --vs 4');
    if (vs === id) throw new WorkbenchError(`runs errors: --vs names run ${id} itself; give another run`);
    if (vs !== undefined && (values.label !== undefined || values.predicted !== undefined))
      throw new WorkbenchError('runs errors: --label and --predicted filter one run’s mistakes; they do not go with --vs');
    const limit = values.limit === undefined ? Infinity : Number(values.limit);
    if (values.limit !== undefined && (!/^\d+$/.test(values.limit) || limit < 1))
      throw new WorkbenchError(`runs errors: --limit takes a whole number from 1, got "${values.limit}"`);
    const split = splitFlag('runs errors', values.split, SPLITS);

    if (vs !== undefined) {
      const found = await withService(values.data, (service) => service.getDisagreements(id, vs, split));
      const record = disagreementsRecord(found, limit);
      if (values.json) printJson(record);
      else process.stdout.write(`${disagreementsText(found, limit).join('\n')}\n`);
      return 0;
    }
    const { found, labels } = await withService(values.data, async (service) => {
      const errors = await service.getRunErrors(id, split);
      return { found: errors, labels: (await service.getRun(id)).labels };
    });
    for (const [flag, value] of [
      ['--label', values.label],
      ['--predicted', values.predicted],
    ] as const)
      if (value !== undefined && !labels.includes(value))
        throw new WorkbenchError(`runs errors: ${flag} "${value}" is not one of run ${id}'s labels (${labels.join(', ')})`);
    const errors = found.errors
      .filter(
        (e) =>
          (values.label === undefined || e.label === values.label) && (values.predicted === undefined || e.predicted === values.predicted),
      )
      .slice(0, limit);
    const record = { split: found.split, count: found.count, errors };
    if (values.json) printJson(record);
    else process.stdout.write(`${errorsText(id, found, errors).join('\n')}\n`);
    return 0;
  },
};

function disagreementsRecord(d: Disagreements, limit: number) {
  const aOnlyRight = d.disagreements.filter((x) => x.a === x.label).length;
  return {
    split: d.split,
    count: d.count,
    a: d.a,
    b: d.b,
    aOnlyRight,
    bOnlyRight: d.disagreements.length - aOnlyRight,
    disagreements: d.disagreements.slice(0, limit),
  };
}

/** The text on one terminal line: whitespace collapsed, cut with "…" at `width` characters. */
export function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= width ? flat : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}

/** Room left for the message on a line after `used` characters (the terminal's width, else 100). */
function textWidth(used: number): number {
  return Math.max(20, (process.stdout.columns || 100) - used - 2);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function errorsText(id: number, found: RunErrors, shown: RunErrors['errors']): string[] {
  const word = SPLIT_WORD[found.split];
  const lines = [
    `run ${id}: ${found.errors.length} of ${found.count} ${word} messages misclassified${shown.length < found.errors.length ? ` (${shown.length} shown)` : ''}, most confident first`,
  ];
  if (shown.length === 0) return lines;
  const rows = shown.map((e) => [String(e.index), `${e.label} → ${e.predicted}`, pct(e.confidence)]);
  const head = table(['index', 'true → predicted', 'confidence'], rows, true);
  const used = head[0].length;
  lines.push(`${head[0]}  message`, ...shown.map((e, k) => `${head[k + 1]}  ${oneLine(e.text, textWidth(used))}`));
  return lines;
}

function disagreementsText(d: Disagreements, limit: number): string[] {
  const word = SPLIT_WORD[d.split];
  const record = disagreementsRecord(d, limit);
  const lines = [
    `runs ${d.a} and ${d.b} on ${d.count} ${word} messages: ${d.disagreements.length} where one is right and the other wrong — ` +
      `${record.aOnlyRight} only #${d.a} gets right, ${record.bOnlyRight} only #${d.b}`,
  ];
  const shown = record.disagreements;
  for (const [title, part] of [
    [`only #${d.a} right`, shown.filter((x) => x.a === x.label)],
    [`only #${d.b} right`, shown.filter((x) => x.b === x.label)],
  ] as const) {
    if (part.length === 0) continue;
    const rows = part.map((x) => [String(x.index), x.label, `${x.a} (${pct(x.aConfidence)})`, `${x.b} (${pct(x.bConfidence)})`]);
    const body = table(['index', 'true', `#${d.a} says`, `#${d.b} says`], rows, true);
    const used = body[0].length;
    lines.push(
      '',
      `${title} (${part.length}):`,
      `${body[0]}  message`,
      ...part.map((x, k) => `${body[k + 1]}  ${oneLine(x.text, textWidth(used))}`),
    );
  }
  return lines;
}
