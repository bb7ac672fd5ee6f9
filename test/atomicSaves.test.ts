import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/core/model/backend.js';
import { loadClassifier } from '../src/core/model/savedClassifier.js';
import { AdamW } from '../src/core/train/adamw.js';
import { loadCheckpoint } from '../src/core/train/checkpoint.js';
import { REPO_ROOT } from './support/cli.js';
import { tinyClassifier, tinyFingerprint } from './support/tinyClassifier.js';

/*
 * A classifier (weights + sidecar) and a checkpoint (tensors + JSON) are each saved as a pair. A real
 * child process saves version after version into one folder and is killed (SIGKILL) at 12 moments per
 * kind, 0 to 55 ms after it starts saving; after every kill the folder must load, as a version that
 * was being saved or was saved last — never a mix, never nothing.
 */

const KILL_POINTS = 12;

beforeAll(async () => {
  await initBackend('cpu');
});

interface Killed {
  /** The last version the child finished saving (`before` if none), and the last one it had started. */
  saved: number;
  started: number;
}

/**
 * Starts the saving child at version `first` in a folder holding version `before`, kills it `delayMs`
 * after it is ready, and reports where it stood.
 */
function saveAndKill(mode: 'classifier' | 'checkpoint', dir: string, before: number, first: number, delayMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['test/support/tsChild.mjs', 'test/support/saveForever.ts', mode, dir, String(first)], {
      cwd: REPO_ROOT,
    });
    let out = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (!out.includes('ready') && (out + d).includes('ready')) setTimeout(() => child.kill('SIGKILL'), delayMs);
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`the saving child ended by itself: ${stderr}`));
      const last = (word: string) => Math.max(before, ...[...out.matchAll(new RegExp(`^${word} (\\d+)$`, 'gm'))].map((m) => Number(m[1])));
      resolve({ saved: last('saved'), started: last('saving') });
    });
  });
}

async function loadedVersion(mode: 'classifier' | 'checkpoint', dir: string): Promise<number> {
  if (mode === 'classifier') {
    const { model } = await loadClassifier(dir);
    const [bias] = await model.headBias.data();
    model.dispose();
    return bias;
  }
  const model = tinyClassifier();
  const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
  const restored = await loadCheckpoint(dir, model, optimizer, tinyFingerprint(model));
  const [bias] = await model.headBias.data();
  const [best] = restored!.best!.get('classifier.bias')!.data;
  [model, optimizer].forEach((x) => x.dispose());
  expect([restored!.epoch, best]).toEqual([bias, bias]); // state, weights and best weights of one version
  return bias;
}

describe.each(['classifier', 'checkpoint'] as const)('saving a %s is atomic as a pair', (mode) => {
  it(`survives SIGKILL at ${KILL_POINTS} moments during saves: the folder always loads as the last or the interrupted version`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `wb-kill-${mode}-`));
    // A first version must exist before "the previous version" means anything.
    while ((await saveAndKill(mode, dir, 0, 1, 200)).saved < 1);
    let loaded = await loadedVersion(mode, dir);
    let next = loaded + 1;
    let midSave = 0;
    for (let k = 0; k < KILL_POINTS; k++) {
      const { saved, started } = await saveAndKill(mode, dir, loaded, next, k * 5);
      loaded = await loadedVersion(mode, dir);
      expect(loaded, `kill ${k}: saved ${saved}, started ${started}`).toBeGreaterThanOrEqual(saved);
      expect(loaded).toBeLessThanOrEqual(started);
      if (started > saved) midSave++;
      next = started + 1;
    }
    expect(midSave).toBeGreaterThan(KILL_POINTS / 2); // most kills landed inside a save, not between two
    // Leftovers of killed saves are cleaned up by the next save that completes.
    expect((await readdir(dir)).length).toBeLessThanOrEqual(4);
  });
});
