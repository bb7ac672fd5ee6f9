import { byLine, type Problem } from './problems.js';
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

/**
 * The problems of well-formed rows, sorted by line. Texts are compared exactly: the same text twice
 * with the same label is a duplicate; with different labels every occurrence conflicts. Rows with
 * their own errors take no part in that comparison.
 */
export function validateRows(rows: readonly LabeledRow[], options: ValidationOptions = {}): Problem[] {
  const contextLength = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
  const allowed = options.allowedLabels && new Set(options.allowedLabels);
  const problems: Problem[] = [];
  const usable: LabeledRow[] = [];
  for (const row of rows) {
    const own = rowProblems(row, allowed);
    if (own.length === 0) usable.push(row);
    for (const p of own) problems.push(p);
    for (const p of lengthProblems(row, contextLength)) problems.push(p);
  }
  // Appended one by one: spreading a list of 100,000s of problems into push() overflows the stack.
  for (const p of repeatProblems(usable)) problems.push(p);
  return problems.sort(byLine);
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

function* repeatProblems(rows: readonly LabeledRow[]): Generator<Problem> {
  const byText = new Map<string, LabeledRow[]>();
  for (const row of rows) {
    const group = byText.get(row.text);
    if (group) group.push(row);
    else byText.set(row.text, [row]);
  }
  for (const group of byText.values()) {
    if (group.length > 1) yield* groupProblems(group);
  }
}

function groupProblems(group: readonly LabeledRow[]): Problem[] {
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
