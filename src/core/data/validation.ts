import { byLine, type Problem } from './problems.js';
import { IntList, TextNumbers } from './textKeys.js';
import { tokenize } from './tokenizer.js';

/** A record mapped to its text (as written) and label (trimmed), with the line where it starts. */
export interface LabeledRow {
  text: string;
  label: string;
  line: number;
}

export interface ValidationOptions {
  /** Labels a row may have; any label when left out. */
  allowedLabels?: readonly string[];
  /** Texts with more tokens than this are reported as too long (GPT-2's context, 1024, by default). */
  contextLength?: number;
}

export const DEFAULT_CONTEXT_LENGTH = 1024;

/** A row's line and label: what a message about a repeated text names. */
type LabeledLine = Pick<LabeledRow, 'line' | 'label'>;

/**
 * The problems of well-formed rows, given one at a time. Texts are compared exactly (by a 128-bit hash
 * of each, see TextNumbers, so the texts themselves need not be kept): the same text twice with the same
 * label is a duplicate; with different labels every occurrence conflicts. Rows with their own errors take
 * no part in that comparison. Memory grows with the distinct texts (about 60 bytes each), not with their length.
 */
export class RowValidator {
  private readonly contextLength: number;
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly problems: Problem[] = [];
  private readonly texts = new TextNumbers();
  /** By text number: the line and label (as its number in `labels`) of the first row with that text. */
  private readonly firstLines = new IntList();
  private readonly firstLabels = new IntList();
  private readonly labels = new Map<string, number>();
  private readonly labelNames: string[] = [];
  /** A text's number → the later rows with that text. */
  private readonly repeats = new Map<number, LabeledLine[]>();

  constructor(options: ValidationOptions = {}) {
    this.contextLength = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
    this.allowed = options.allowedLabels && new Set(options.allowedLabels);
  }

  /** Checks `row`: the number of its text (see TextNumbers), or -1 when it has errors of its own. */
  add(row: LabeledRow): number {
    const own = rowProblems(row, this.allowed);
    for (const p of own) this.problems.push(p);
    for (const p of lengthProblems(row, this.contextLength)) this.problems.push(p);
    if (own.length > 0) return -1;
    const text = this.texts.numberOf(row.text);
    if (text === this.firstLines.length) {
      this.firstLines.push(row.line);
      this.firstLabels.push(this.labelNumber(row.label));
    } else {
      const later = { line: row.line, label: row.label };
      const group = this.repeats.get(text);
      if (group) group.push(later);
      else this.repeats.set(text, [later]);
    }
    return text;
  }

  /** Whether text number `text` came on more than one row. */
  repeated(text: number): boolean {
    return this.repeats.has(text);
  }

  /** All the problems, sorted by line, and the rows found to conflict (errors only known once every row was seen). */
  finish(): { problems: Problem[]; conflicting: LabeledLine[] } {
    const conflicting: LabeledLine[] = [];
    for (const [text, later] of this.repeats) {
      const group = [{ line: this.firstLines.at(text), label: this.labelNames[this.firstLabels.at(text)] }, ...later];
      const problems = groupProblems(group);
      // Appended one by one: spreading a list of 100,000s of problems into push() overflows the stack.
      for (const p of problems) this.problems.push(p);
      if (problems[0].kind === 'conflicting-labels') for (const row of group) conflicting.push(row);
    }
    return { problems: this.problems.sort(byLine), conflicting };
  }

  private labelNumber(label: string): number {
    let n = this.labels.get(label);
    if (n === undefined) {
      n = this.labelNames.push(label) - 1;
      this.labels.set(label, n);
    }
    return n;
  }
}

function rowProblems(row: LabeledRow, allowed: ReadonlySet<string> | undefined): Problem[] {
  const problems: Problem[] = [];
  const at = (kind: Problem['kind'], message: string) => problems.push({ line: row.line, kind, message });
  if (row.text.trim() === '') at('empty-text', 'the text is empty');
  if (row.label === '') at('missing-label', 'the label is empty');
  else if (allowed && !allowed.has(row.label)) {
    at('unknown-label', `label ${JSON.stringify(row.label)} is not one of ${[...allowed].map((l) => JSON.stringify(l)).join(', ')}`);
  }
  return problems;
}

function lengthProblems(row: LabeledRow, contextLength: number): Problem[] {
  // Every GPT-2 token stands for at least one UTF-8 byte, so texts this short need no tokenizing.
  if (Buffer.byteLength(row.text, 'utf8') <= contextLength) return [];
  const tokens = tokenize(row.text).length;
  if (tokens <= contextLength) return [];
  return [
    { line: row.line, kind: 'too-long', message: `${tokens} tokens, more than the context length ${contextLength}; training truncates it` },
  ];
}

function groupProblems(group: readonly LabeledLine[]): Problem[] {
  const [first] = group;
  if (group.every((row) => row.label === first.label)) {
    return group.slice(1).map((row) => ({ line: row.line, kind: 'duplicate-text', message: `same text and label as line ${first.line}` }));
  }
  // Only the first four rows can be among the three others a message names: linear in the group's size.
  const head = group.slice(0, 4);
  return group.map((row) => {
    const shown = head
      .filter((o) => o !== row)
      .slice(0, 3)
      .map((o) => `line ${o.line} (${JSON.stringify(o.label)})`);
    const rest = group.length - 1 - shown.length;
    const more = rest > 0 ? ` and ${rest} more lines` : '';
    return {
      line: row.line,
      kind: 'conflicting-labels',
      message: `label ${JSON.stringify(row.label)}, but the same text is on ${shown.join(', ')}${more}`,
    };
  });
}
