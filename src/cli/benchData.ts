/*
 * `npm run bench:data`: how long the import's validation takes on a generated 1,000,000-row CSV
 * (some texts repeated, some with conflicting labels, some quoted over two lines). Prints one JSON object.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspectDatasetFile } from '../core/data/dataset.js';

const ROWS = 1_000_000;

function generatedCsv(rows: number): string {
  const lines = ['text,label'];
  for (let i = 0; i < rows; i++) {
    // Every 10th text repeats an earlier one; every 100th repeats it with the other label.
    const n = i % 10 === 9 ? i - 9 : i;
    const label = i % 100 === 99 ? 'spam' : n % 2 ? 'spam' : 'ham';
    lines.push(i % 1000 === 0 ? `"message ${n},\nwith a second line",${label}` : `message number ${n} says hello,${label}`);
  }
  return `${lines.join('\n')}\n`;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-data-'));
try {
  const file = path.join(dir, 'rows.csv');
  await writeFile(file, generatedCsv(ROWS));
  const started = performance.now();
  const report = await inspectDatasetFile(file);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({ rows: report.rows, bytes: (await stat(file)).size, problems: report.problems.length, seconds: Number(seconds.toFixed(2)) })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
