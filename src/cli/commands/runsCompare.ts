import { parseArgs } from 'node:util';
import type { Comparison, GroupSummary, HeldOutSplit } from '../../common/api.js';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';
import { percent } from '../progressBar.js';
import { interval, points, signedInterval, table } from '../runRecord.js';
import { runId, splitFlag } from '../runIds.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

const SPLITS = ['test', 'val'] as const satisfies readonly HeldOutSplit[];

export const runsCompareCommand: Command = {
  name: 'runs compare',
  summary: 'is A really different from B? McNemar on every pair, Holm-corrected; repeats as groups',
  usage: `workbench runs compare ID ID [ID …] [--split test|val] [--data DIR] [--json]

Compares finished runs evaluated on the same messages (same data set, balance, dedupe, split and split
seed), message by message: for every pair, how many messages only A gets right and only B, McNemar's
exact test of those two counts, and with three or more runs Holm's correction of the p-values (a pair
"differs" when the corrected p is below 0.05). Runs that differ only in the training seed (runs add
--repeats) are summarised as groups: n, mean and sd of each accuracy and gap, the 95% t-interval of the
mean, and Welch's t-test between groups of two or more runs. Runs that cannot be paired (other messages,
not finished, no predictions kept) are refused, with the reason for each pair.
  --split S                   test (default) or val: the held-out messages to compare on
${DATA_FLAG_HELP}
  --json                      {"split", "count", "runs": [{"id", "name", "group", "accuracy", "interval"}],
                              "pairs": [{"a", "b", "aOnlyRight", "bOnlyRight", "p", "pHolm", "distinguishable"}],
                              "groups": [{"key", "name", "runs", "n", "mean", "sd", "interval"}],
                              "groupTests": [{"a", "b", "metric", "t", "df", "p", "pHolm", "distinguishable"}],
                              "sentences": [...]} as the last line of stdout (mean, sd and interval have
                              "train", "val", "test", "trainVal", "trainTest"; sd and interval are null for n = 1)`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...DATA_FLAG, split: { type: 'string' }, json: { type: 'boolean' } },
    });
    const example = 'workbench runs compare 1 2';
    if (positionals.length < 2) throw new WorkbenchError(`runs compare: give two or more run ids, e.g. ${example}`);
    if (positionals.length > 20) throw new WorkbenchError(`runs compare: at most 20 runs at once, got ${positionals.length}`);
    const ids = positionals.map((p) => runId('runs compare', p, example));
    if (new Set(ids).size !== ids.length) throw new WorkbenchError(`runs compare: a run is named twice (${ids.join(' ')})`);
    const split = splitFlag('runs compare', values.split, SPLITS);
    const comparison = await withService(values.data, (service) => service.compareRuns(ids, split));
    const { statistics } = comparison;
    if (statistics.unpaired.length > 0) {
      // Each reason names its runs; one run that is not finished would otherwise be said once per pair.
      const reasons = [...new Set(statistics.unpaired.map((u) => u.reason))];
      throw new WorkbenchError(`runs compare: cannot compare these runs message by message: ${reasons.join('; ')}`);
    }
    const record = compareRecord(comparison);
    if (values.json) printJson(record);
    else process.stdout.write(`${compareText(comparison).join('\n')}\n`);
    return 0;
  },
};

/** What `runs compare --json` prints. */
export function compareRecord({ runs, statistics }: Comparison) {
  const split = statistics.split;
  return {
    split,
    count: runs[0]?.evaluation?.[split].count ?? null,
    runs: runs.map((r) => ({
      id: r.id,
      name: r.name,
      group: r.group,
      accuracy: r.accuracy?.[split] ?? null,
      interval: r.intervals?.[split] ?? null,
    })),
    pairs: statistics.pairs,
    groups: statistics.groups,
    groupTests: statistics.groupTests,
    sentences: statistics.sentences,
  };
}

/** p as a table cell: three significant digits, "<0.001" below. */
function pCell(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

function compareText({ runs, statistics }: Comparison): string[] {
  const split = statistics.split;
  const count = runs[0]?.evaluation?.[split].count;
  const lines = [`${split === 'test' ? 'test' : 'validation'} accuracy${count ? ` on ${count} messages` : ''} (95% CI):`];
  for (const r of runs) {
    const a = r.accuracy?.[split];
    const ci = r.intervals?.[split];
    lines.push(
      `  #${String(r.id).padEnd(4)} ${a === undefined ? '—' : percent(a).padStart(7)}${ci ? ` (${interval(ci)})` : ''}  ${r.name}`,
    );
  }
  lines.push('', 'pairs (McNemar’s exact test on the messages only one of the two gets right; p Holm corrects for the number of pairs):');
  const header = ['A', 'B', 'only A right', 'only B right', 'p', 'p Holm', 'verdict'];
  const rows = statistics.pairs.map((p) => [
    `#${p.a}`,
    `#${p.b}`,
    String(p.aOnlyRight),
    String(p.bOnlyRight),
    pCell(p.p),
    pCell(p.pHolm),
    p.distinguishable ? 'differ' : 'same within chance',
  ]);
  lines.push(...table(header, rows));
  const repeated = statistics.groups.filter((g) => g.n >= 2);
  if (repeated.length > 0) {
    lines.push('', 'groups (runs that differ only in the training seed): mean ± sd, 95% t-interval of the mean:');
    for (const g of repeated) lines.push(...groupLines(g, split));
  }
  lines.push('', ...statistics.sentences);
  return lines;
}

function groupLines(g: GroupSummary, split: HeldOutSplit): string[] {
  const gap = split === 'val' ? 'trainVal' : 'trainTest';
  const pm = (key: 'train' | 'val' | 'test' | 'trainVal' | 'trainTest', signed: boolean) => {
    const mean = signed ? points(g.mean[key]) : percent(g.mean[key]);
    const sd = g.sd ? ` ± ${(g.sd[key] * 100).toFixed(2)}` : '';
    const ci = g.interval ? ` (95% CI ${signed ? signedInterval(g.interval[key]) : interval(g.interval[key])})` : '';
    return signed ? `${mean}${sd} points${ci}` : `${mean}${sd}${ci}`;
  };
  return [
    `  ${g.name} (n = ${g.n}: ${g.runs.map((id) => `#${id}`).join(' ')})`,
    `    ${split} accuracy ${pm(split, false)} · train − ${split} gap ${pm(gap, true)}`,
  ];
}
