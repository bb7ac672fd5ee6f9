import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { DatasetFile, WorkbenchEvent } from '../../src/common/api.js';
import { createWorkbenchService, type WorkbenchService, type WorkbenchServiceOptions } from '../../src/service/workbenchService.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './shared.js';

/** The first `lines` messages of the real SMS Spam Collection (../shared) as a file the UI would send. */
export function smsSlice(lines = 400): DatasetFile {
  const text = readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, lines).join('\n');
  return { name: 'sms-slice.tsv', base64: Buffer.from(text).toString('base64') };
}

export const SMS_MAPPING = { delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 } as const;

/** A run that trains in a few seconds: a tiny random-weights GPT-2 (2 layers, 64 wide, 4 heads) on short inputs. */
export function tinyRun(datasetId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dataset: { source: datasetId },
    model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable: { kind: 'all' },
    learningRate: 1e-3,
    epochs: 2,
    maxLength: 32,
    evalEvery: 5,
    evalBatches: 1,
    ...extra,
  };
}

/** A service over `dataDir` that is closed after the file's tests, with every event it sent recorded. */
export async function openService(options: WorkbenchServiceOptions): Promise<{ service: WorkbenchService; events: WorkbenchEvent[] }> {
  const service = await createWorkbenchService({ cacheDir: path.join(options.dataDir, 'no-cache'), ...options });
  const events: WorkbenchEvent[] = [];
  service.onEvent((e) => events.push(e));
  afterAll(() => service.close());
  return { service, events };
}

/** Resolves with the first event that `match` accepts. */
export function nextEvent(service: WorkbenchService, match: (e: WorkbenchEvent) => boolean): Promise<WorkbenchEvent> {
  return new Promise((resolve) => {
    const off = service.onEvent((e) => {
      if (match(e)) {
        off();
        resolve(e);
      }
    });
  });
}
