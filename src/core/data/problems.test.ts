import { describe, expect, it } from 'vitest';
import { isError, summarizeProblems, type Problem } from './problems.js';

const problem = (line: number, kind: Problem['kind']): Problem => ({ line, kind, message: `m${line}` });

describe('problems', () => {
  it('counts duplicates and too-long texts as warnings, everything else as errors', () => {
    expect(isError(problem(1, 'duplicate-text'))).toBe(false);
    expect(isError(problem(1, 'too-long'))).toBe(false);
    for (const kind of ['malformed', 'empty-text', 'missing-label', 'unknown-label', 'conflicting-labels'] as const) {
      expect(isError(problem(1, kind))).toBe(true);
    }
  });

  it('summarizes the first few problems on one line', () => {
    const problems = [1, 2, 3].map((line) => problem(line, 'malformed'));
    expect(summarizeProblems(problems, 2)).toBe('line 1: malformed (m1); line 2: malformed (m2) and 1 more');
    expect(summarizeProblems(problems)).toBe('line 1: malformed (m1); line 2: malformed (m2); line 3: malformed (m3)');
  });
});
