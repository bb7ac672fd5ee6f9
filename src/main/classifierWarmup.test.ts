import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { WorkbenchApi } from '../common/api.js';
import { ClassifierWarmup, jsonSetting, reportingClassify, runToWarm, WARMUP_TEXT, type Setting } from './classifierWarmup.js';

const finished = (id: number, hasClassifier = true) => ({ id, status: 'finished' as const, hasClassifier });

describe('the run the popup warms', () => {
  it('is the last one used while it can classify, else the newest that can', () => {
    const runs = [finished(3), finished(5), finished(7, false), { id: 9, status: 'running' as const, hasClassifier: false }];
    expect(runToWarm(runs, 3)).toBe(3);
    expect(runToWarm(runs, null)).toBe(5);
    expect(runToWarm(runs, 7)).toBe(5); // no classifier
    expect(runToWarm(runs, 42)).toBe(5); // deleted
    expect(runToWarm([], 3)).toBeNull();
  });
});

function memorySetting(value: { popupRun: number } | null = null): Setting<{ popupRun: number }> & { value: unknown } {
  const s = {
    value: value as unknown,
    read: () => s.value as { popupRun: number } | null,
    write: (v: { popupRun: number }) => void (s.value = v),
  };
  return s;
}

describe('ClassifierWarmup', () => {
  it('loads the remembered run through classify, once at a time, and says how long it took', async () => {
    let release!: () => void;
    const classify = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const log = vi.fn();
    let t = 1000;
    const warmup = new ClassifierWarmup({
      listRuns: async () => [finished(1), finished(2)],
      classify,
      setting: memorySetting({ popupRun: 1 }),
      log,
      now: () => t,
    });
    const a = warmup.warm();
    const b = warmup.warm(); // the popup opened while it loads: the same load
    await vi.waitFor(() => expect(classify).toHaveBeenCalledTimes(1));
    expect(warmup.state).toEqual({ state: 'loading', runId: 1 });
    t += 8900;
    release();
    expect(await a).toEqual({ state: 'ready', runId: 1, seconds: 8.9 });
    expect(await b).toBe(await a);
    expect(classify).toHaveBeenCalledWith(1, [WARMUP_TEXT]);
    expect(log).toHaveBeenCalledWith("popup: run 1's classifier loaded in the background (8.9 s)");

    // Opening the popup again: another (cheap, cached) classify, and no second log line.
    classify.mockImplementation(async () => {});
    await warmup.warm();
    expect(classify).toHaveBeenCalledTimes(2);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('follows the run a window classified with', async () => {
    const setting = memorySetting();
    const classify = vi.fn(async () => {});
    const warmup = new ClassifierWarmup({ listRuns: async () => [finished(1), finished(2)], classify, setting, log: () => {} });
    await warmup.warm();
    expect(classify).toHaveBeenLastCalledWith(2, [WARMUP_TEXT]);
    warmup.used(1);
    expect(setting.value).toEqual({ popupRun: 1 });
    await warmup.warm();
    expect(classify).toHaveBeenLastCalledWith(1, [WARMUP_TEXT]);
  });

  it('does nothing without a run that can classify, and a failure is one log line, never a throw', async () => {
    const classify = vi.fn(async () => {
      throw new Error('classifier.safetensors is missing');
    });
    const log = vi.fn();
    const none = new ClassifierWarmup({ listRuns: async () => [], classify, setting: memorySetting(), log });
    expect(await none.warm()).toEqual({ state: 'idle' });
    expect(classify).not.toHaveBeenCalled();
    const failing = new ClassifierWarmup({ listRuns: async () => [finished(4)], classify, setting: memorySetting(), log });
    expect(await failing.warm()).toEqual({ state: 'idle' });
    expect(log).toHaveBeenCalledWith('popup: could not load the classifier in the background: classifier.safetensors is missing');
  });
});

describe('settings and the API wrapper', () => {
  it('keeps the popup run in a JSON file, none when missing or unreadable', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-popup-'));
    try {
      const file = path.join(dir, 'sub/popup.json');
      const setting = jsonSetting<{ popupRun: number }>(file);
      expect(setting.read()).toBeNull();
      setting.write({ popupRun: 12 });
      expect(jsonSetting<{ popupRun: number }>(file).read()).toEqual({ popupRun: 12 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports each successful classify, and passes every other method through', async () => {
    const api = {
      classify: vi.fn(async (_id: number, texts: string[]) => texts.map((text) => ({ text }))),
      getQueueState: vi.fn(async () => 'queue'),
    } as unknown as WorkbenchApi;
    const seen: number[] = [];
    const wrapped = reportingClassify(api, (id) => seen.push(id));
    await expect(wrapped.classify(6, ['hi'])).resolves.toEqual([{ text: 'hi' }]);
    await expect(wrapped.getQueueState()).resolves.toBe('queue');
    expect(seen).toEqual([6]);
    vi.mocked(api.classify).mockRejectedValueOnce(new Error('no'));
    await expect(wrapped.classify(7, ['hi'])).rejects.toThrow('no');
    expect(seen).toEqual([6]);
  });
});
