/** What can be wrong with a record of an imported data set. */
export type ProblemKind =
  'malformed' | 'empty-text' | 'missing-label' | 'unknown-label' | 'conflicting-labels' | 'duplicate-text' | 'too-long';

/** One finding of the validation report; `line` is the physical line (1-based) where the record starts. */
export interface Problem {
  line: number;
  kind: ProblemKind;
  message: string;
}

// Warnings keep their row: a duplicate is still a valid example (it only matters for leakage across
// splits), and a too-long text is truncated to the context when training, as the book does.
const WARNING_KINDS: ReadonlySet<ProblemKind> = new Set<ProblemKind>(['duplicate-text', 'too-long']);

/** Errors make a row unusable: they block an import, or exclude the row when the caller asks for that. */
export function isError(problem: Problem): boolean {
  return !WARNING_KINDS.has(problem.kind);
}

export function byLine(a: Problem, b: Problem): number {
  return a.line - b.line;
}

/** "line 4: empty-text (…); line 9: malformed (…) and 3 more", short enough for one line of a CLI. */
export function summarizeProblems(problems: readonly Problem[], limit = 5): string {
  const shown = problems.slice(0, limit).map((p) => `line ${p.line}: ${p.kind} (${p.message})`);
  const rest = problems.length - shown.length;
  return shown.join('; ') + (rest > 0 ? ` and ${rest} more` : '');
}
