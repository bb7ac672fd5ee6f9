import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageOf } from '../../../test/support/errors.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { inspectDataset, inspectDatasetFile } from './dataset.js';
import { resolveMaxLength } from './examples.js';
import { balanceLabels } from './split.js';
import { validateRows } from '../../../test/support/tables.js';
import type { LabeledRow } from './validation.js';

const folder = tempDir('large-inputs-test-');

describe('validation of large files', () => {
  it('reports 200,000 rows of one repeated text without overflowing the stack', () => {
    const csv = `text,label\n${'same text,ham\n'.repeat(200_000)}`;
    const report = inspectDataset(csv);
    expect(report.rows).toBe(200_000);
    expect(report.problems).toHaveLength(199_999);
    expect(report.problems[0]).toEqual({ line: 3, kind: 'duplicate-text', message: 'same text and label as line 2' });
  });

  it('checks conflicting labels in time linear in the rows (no row compared with every other)', () => {
    const rows: LabeledRow[] = Array.from({ length: 60_000 }, (_, i) => ({ line: i + 1, text: 'same', label: i % 2 ? 'spam' : 'ham' }));
    // Counting reads of `label` is a deterministic stand-in for time: quadratic work reads it billions of times.
    let reads = 0;
    const counted = rows.map((r) => ({
      line: r.line,
      text: r.text,
      get label() {
        reads++;
        return r.label;
      },
    }));
    const problems = validateRows(counted);
    expect(problems).toHaveLength(60_000);
    expect(problems[0].message).toBe(
      'label "ham", but the same text is on line 2 ("spam"), line 3 ("ham"), line 4 ("spam") and 59996 more lines',
    );
    expect(problems[1].message).toBe(
      'label "spam", but the same text is on line 1 ("ham"), line 3 ("ham"), line 4 ("spam") and 59996 more lines',
    );
    expect(reads).toBeLessThan(20 * rows.length);
  });

  it('pads to the longest of 500,000 training texts without spreading them into arguments', () => {
    const lengths = Array.from({ length: 500_000 }, (_, i) => (i === 123_456 ? 77 : 5));
    expect(resolveMaxLength('longest', lengths, 1024)).toBe(77);
  });

  it('balances 300,000 labels, each its own class, without spreading them', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ label: `l${i}` }));
    expect(balanceLabels(rows, 1)).toHaveLength(300_000);
  });

  it('refuses a file larger than the longest string V8 can hold, saying so instead of "not UTF-8"', async () => {
    const file = path.join(folder, 'huge.csv');
    writeFileSync(file, '');
    truncateSync(file, 600 * 1024 * 1024); // sparse: takes no disk space and is never read
    expect(await messageOf(inspectDatasetFile(file))).toBe(
      `${file} is 600.0 MiB; data files up to 512.0 MiB can be read (split it into smaller files)`,
    );
  });
});
