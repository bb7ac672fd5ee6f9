import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunSummary, WorkbenchApi } from '../common/api.js';

/*
 * The tray popup is for a quick check, but classify loads a run's classifier on first use (measured on a
 * GPT-2-small-shaped classifier: ~9 s cold against ~85 ms warm). So main loads the popup's classifier in
 * the background — once the app is idle after start and again whenever the popup opens — through the
 * service's own classify (its ClassifierCache keeps the loaded classifier), and remembers which run that is.
 */

type RunRow = Pick<RunSummary, 'id' | 'status' | 'hasClassifier'>;

/** The run the popup will classify with: the last one used if it can still classify, else the newest that can. */
export function runToWarm(runs: readonly RunRow[], remembered: number | null): number | null {
  const usable = runs.filter((r) => r.status === 'finished' && r.hasClassifier).map((r) => r.id);
  if (remembered !== null && usable.includes(remembered)) return remembered;
  return usable.length > 0 ? Math.max(...usable) : null;
}

/** One JSON value in a file of main's own (Electron's userData), written atomically. */
export interface Setting<T> {
  read(): T | null;
  write(value: T): void;
}

export function jsonSetting<T>(file: string): Setting<T> {
  return {
    read() {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch {
        return null;
      }
    },
    write(value) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(value));
      renameSync(`${file}.tmp`, file);
    },
  };
}

export type WarmupState = { state: 'idle' } | { state: 'loading'; runId: number } | { state: 'ready'; runId: number; seconds: number };

export interface WarmupDeps {
  listRuns(): Promise<RunRow[]>;
  classify(runId: number, texts: string[]): Promise<unknown>;
  setting: Setting<{ popupRun: number }>;
  log(line: string): void;
  now?: () => number;
}

/** The text the warm-up classifies: anything short does (the answer is thrown away). */
export const WARMUP_TEXT = 'warm-up';

export class ClassifierWarmup {
  private current: Promise<WarmupState> | null = null;
  private last: WarmupState = { state: 'idle' };

  constructor(private readonly deps: WarmupDeps) {}

  get state(): WarmupState {
    return this.last;
  }

  /** The run a window classified with: the popup's next warm-up loads that one. */
  used(runId: number): void {
    if (this.deps.setting.read()?.popupRun !== runId) this.deps.setting.write({ popupRun: runId });
  }

  /**
   * Loads the popup's classifier (a no-op when it is loaded: the cache answers in milliseconds). Calls that
   * come while one is loading share it. Never throws: a failure is one log line, and the popup's own classify
   * reports it to the user.
   */
  warm(): Promise<WarmupState> {
    this.current ??= this.load().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async load(): Promise<WarmupState> {
    const now = this.deps.now ?? (() => performance.now());
    try {
      const runId = runToWarm(await this.deps.listRuns(), this.deps.setting.read()?.popupRun ?? null);
      if (runId === null) return (this.last = { state: 'idle' });
      const before = this.last;
      this.last = { state: 'loading', runId };
      const started = now();
      await this.deps.classify(runId, [WARMUP_TEXT]);
      const seconds = (now() - started) / 1000;
      const cold = before.state !== 'ready' || before.runId !== runId;
      this.last = { state: 'ready', runId, seconds };
      if (cold) this.deps.log(`popup: run ${runId}'s classifier loaded in the background (${seconds.toFixed(1)} s)`);
      return this.last;
    } catch (err) {
      this.deps.log(`popup: could not load the classifier in the background: ${(err as Error).message}`);
      return (this.last = { state: 'idle' });
    }
  }
}

/** The API as registered for the windows, with every successful classify reported to `onClassified`. */
export function reportingClassify(api: WorkbenchApi, onClassified: (runId: number) => void): WorkbenchApi {
  const classify: WorkbenchApi['classify'] = async (runId, texts) => {
    const predictions = await api.classify(runId, texts);
    onClassified(runId);
    return predictions;
  };
  return new Proxy(api, { get: (target, key) => (key === 'classify' ? classify : Reflect.get(target, key, target)) });
}
