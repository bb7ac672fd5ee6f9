import path from 'node:path';
import type { Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Prints each skipped test with its reason: Playwright's list reporter shows only that a test was
 * skipped, and "why" (e.g. no Electron binary on this machine) is what a reader of the log needs.
 */
export default class SkipReasons implements Reporter {
  private readonly lines: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return;
    const reason = test.annotations.find((a) => a.type === 'skip' || a.type === 'fixme')?.description ?? 'no reason given';
    this.lines.push(`  skipped: ${path.basename(test.location.file)} › ${title(test)} — ${reason}`);
  }

  onEnd(): void {
    if (this.lines.length > 0) console.log(`\n${this.lines.join('\n')}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}

/** The test's title under its describe blocks (without project and file). */
function title(test: TestCase): string {
  const parts = [test.title];
  for (let suite: Suite | undefined = test.parent; suite?.type === 'describe'; suite = suite.parent) parts.unshift(suite.title);
  return parts.join(' › ');
}
