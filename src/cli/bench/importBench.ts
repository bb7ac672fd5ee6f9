import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeLargeCsv } from './largeCsv.js';
import { peakRss, startServe, upload } from './serveProcess.js';

/*
 * A large import as the app makes it (issue 17): a `workbench serve` child, a CSV of `megabytes` MB streamed to
 * POST /api/upload, then importDataset while getQueueState is called every 50 ms. Measured: the server's peak
 * resident memory (Linux's VmHWM) before and after the import, the import's time, and the latency of the calls
 * answered meanwhile.
 */

export interface ImportFigures {
  fileMB: number;
  /** The server's peak RSS once started and once the file was uploaded (before the import), and after the import. */
  startedRssMB: number | null;
  uploadedRssMB: number | null;
  peakRssMB: number | null;
  /** (peak − started) / file size. */
  peakOverFile: number | null;
  importSeconds: number;
  calls: number;
  latencyMs: { p50: number; p95: number; max: number };
}

export async function importBench(megabytes: number, note: (text: string) => void): Promise<ImportFigures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-import-'));
  let child: { kill(signal: NodeJS.Signals): boolean } | undefined;
  try {
    const csv = path.join(dir, 'large.csv');
    note(`import: writing a ${megabytes} MB CSV`);
    const bytes = writeLargeCsv(csv, megabytes);
    const s = await startServe(['--data', path.join(dir, 'data')], {}, { spawned: (c) => (child = c) });
    const startedRss = peakRss(s.child.pid!);
    note('import: uploading it');
    const uploadId = await upload(s, 'large.csv', Readable.toWeb(createReadStream(csv)) as ReadableStream<Uint8Array>);
    const uploadedRss = peakRss(s.child.pid!);
    note('import: importing it, calling getQueueState every 50 ms');
    const started = performance.now();
    let ended = false;
    const importing = s.call('importDataset', [{ name: 'large.csv', uploadId }, {}, 'large']).finally(() => (ended = true));
    const latencies: number[] = [];
    while (!ended) {
      const at = performance.now();
      await s.call('getQueueState');
      if (!ended) latencies.push(performance.now() - at);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const imported = await importing;
    const importSeconds = (performance.now() - started) / 1000;
    if (imported.status !== 200) throw new Error(`import: ${imported.status} ${JSON.stringify(imported.body)}`);
    const peak = peakRss(s.child.pid!);
    s.child.kill('SIGTERM');
    await s.exit;
    const mb = (n: number | null) => (n === null ? null : Math.round(n / 2 ** 20));
    const sorted = latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0);
    return {
      fileMB: Math.round(bytes / 2 ** 20),
      startedRssMB: mb(startedRss),
      uploadedRssMB: mb(uploadedRss),
      peakRssMB: mb(peak),
      peakOverFile: peak === null || startedRss === null ? null : Math.round(((peak - startedRss) / bytes) * 100) / 100,
      importSeconds: Math.round(importSeconds * 10) / 10,
      calls: latencies.length,
      latencyMs: { p50: at(0.5), p95: at(0.95), max: Math.round(sorted.at(-1) ?? 0) },
    };
  } finally {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
