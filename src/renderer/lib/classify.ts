import type { RunSummary } from '../../common/api.js';

/** The messages to classify: one per line, blank lines skipped. */
export function messageLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Runs that can classify: finished with a saved classifier, newest first. */
export function classifierRuns(runs: readonly RunSummary[]): RunSummary[] {
  return runs.filter((r) => r.status === 'finished' && r.hasClassifier).sort((a, b) => b.id - a.id);
}

/** The remembered run if it can still classify, else the newest that can. */
export function pickRun(runs: readonly RunSummary[], remembered: number | null): number | null {
  if (remembered !== null && runs.some((r) => r.id === remembered)) return remembered;
  return runs[0]?.id ?? null;
}
