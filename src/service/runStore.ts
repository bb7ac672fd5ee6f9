import type { ApiEpochPoint, ApiEvalPoint, PrefixCacheRecord, RunStatus } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import { allows, canMove, refusal, type RunAction } from '../common/runLifecycle.js';
import type { WorkerResult } from '../common/workerProtocol.js';
import { decodePredictions, type SplitPredictions } from '../core/train/predictions.js';
import type { Db } from './database.js';
import { Conflict, NotFound } from './errors.js';
import { appendRunHost, LOCAL_HOST } from './hosts.js';

/** A row of `runs` as the service reads it. */
export interface RunRow {
  id: number;
  name: string;
  config: RunConfig;
  configHash: string;
  datasetId: string;
  datasetHash: string;
  status: RunStatus;
  queuePosition: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  seconds: number | null;
  backend: string | null;
  parameters: { trainable: number; total: number } | null;
  error: string | null;
  outputTail: string | null;
  resumedFromEpoch: number | null;
  duplicateOf: number | null;
  labels: string[] | null;
  gap: { trainVal: number; trainTest: number } | null;
  restarts: number;
  tags: string[];
  note: string;
  /** The hosts it trained on, in order (hosts.ts). */
  hosts: string[];
}

export interface SplitEvaluation {
  count: number;
  loss: number;
  accuracy: number;
  confusion: number[][];
}

export type MetricRow =
  | { kind: 'step'; runId: number; step: number; epoch: number; examplesSeen: number; loss: number; tokensPerSecond: number }
  | { kind: 'eval'; runId: number; point: ApiEvalPoint }
  | { kind: 'epoch'; runId: number; point: ApiEpochPoint };

type Raw = Record<string, unknown>;

/** A run's new status, announced once after the transaction that wrote it committed. */
export interface StatusChange {
  runId: number;
  status: RunStatus;
  error: string | null;
}

const now = () => new Date().toISOString();

/** Settings key prefix of a cancel asked for by a process that does not train the run. */
const CANCEL_REQUEST = 'cancel-request.';
/** Settings key prefix of a finished run's frozen-prefix cache (JSON PrefixCacheRecord), kept without a schema change. */
const PREFIX_CACHE = 'run-prefix-cache.';

function toRow(r: Raw): RunRow {
  const num = (v: unknown) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    name: String(r.name),
    config: JSON.parse(String(r.config)) as RunConfig,
    configHash: String(r.config_hash),
    datasetId: String(r.dataset_id),
    datasetHash: String(r.dataset_hash),
    status: r.status as RunStatus,
    queuePosition: num(r.queue_position),
    createdAt: String(r.created_at),
    startedAt: (r.started_at as string | null) ?? null,
    finishedAt: (r.finished_at as string | null) ?? null,
    seconds: num(r.seconds),
    backend: (r.backend as string | null) ?? null,
    parameters: r.trainable_parameters === null ? null : { trainable: Number(r.trainable_parameters), total: Number(r.total_parameters) },
    error: (r.error as string | null) ?? null,
    outputTail: (r.output_tail as string | null) ?? null,
    resumedFromEpoch: num(r.resumed_from_epoch),
    duplicateOf: num(r.duplicate_of),
    labels: r.labels === null ? null : (JSON.parse(String(r.labels)) as string[]),
    gap: r.gap_train_val === null ? null : { trainVal: Number(r.gap_train_val), trainTest: Number(r.gap_train_test) },
    restarts: Number(r.restarts),
    tags: JSON.parse(String(r.tags)) as string[],
    note: String(r.note),
    hosts: JSON.parse(String(r.hosts)) as string[],
  };
}

/**
 * Runs, their metrics and evaluations, and the queue order; the only code that writes them. Every change of
 * a run's status is checked against the lifecycle (common/runLifecycle.ts) inside the transaction that
 * writes it, and announced to `onStatus` once it committed.
 */
export class RunStore {
  constructor(
    private readonly db: Db,
    private readonly onStatus: (change: StatusChange) => void = () => {},
  ) {}

  /** Queues a run; one with the same config and data as an earlier run (of the same batch, too) is marked a duplicate of it. */
  insert(run: {
    name: string;
    config: RunConfig;
    configHash: string;
    datasetId: string;
    datasetHash: string;
    parameters: { trainable: number; total: number } | null;
  }): { id: number; duplicateOf: number | null } {
    const position = this.nextPosition();
    const duplicateOf = this.findDuplicate(run.configHash, run.datasetHash);
    const info = this.db
      .prepare(
        `INSERT INTO runs (name, config, config_hash, dataset_id, dataset_hash, status, queue_position, created_at, duplicate_of, trainable_parameters, total_parameters)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      )
      .run(
        run.name,
        JSON.stringify(run.config),
        run.configHash,
        run.datasetId,
        run.datasetHash,
        position,
        now(),
        duplicateOf,
        run.parameters?.trainable ?? null,
        run.parameters?.total ?? null,
      );
    return { id: Number(info.lastInsertRowid), duplicateOf };
  }

  /** Inserts several runs in one transaction (a grid is queued whole or not at all). */
  insertAll(runs: Parameters<RunStore['insert']>[0][]): { id: number; duplicateOf: number | null }[] {
    return this.db.transaction(() => runs.map((r) => this.insert(r)))();
  }

  /** The earliest run with the same config and data, if any. */
  findDuplicate(configHash: string, datasetHash: string): number | null {
    const id = this.db
      .prepare('SELECT id FROM runs WHERE config_hash = ? AND dataset_hash = ? ORDER BY id LIMIT 1')
      .pluck()
      .get(configHash, datasetHash);
    return id === undefined ? null : Number(id);
  }

  get(id: number): RunRow | null {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Raw | undefined;
    return r ? toRow(r) : null;
  }

  list(): RunRow[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id').all() as Raw[]).map(toRow);
  }

  /** Queued runs in queue order. */
  queuedIds(): number[] {
    return (this.db.prepare("SELECT id FROM runs WHERE status = 'queued' ORDER BY queue_position, id").pluck().all() as number[]).map(
      Number,
    );
  }

  idsWithStatus(status: RunStatus): number[] {
    return (this.db.prepare('SELECT id FROM runs WHERE status = ? ORDER BY started_at, id').pluck().all(status) as number[]).map(Number);
  }

  /** Renumbers the queue: `ids` first in that order, every other queued run after them in its order. */
  reorder(ids: number[]): void {
    const set = this.db.prepare('UPDATE runs SET queue_position = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) this.requireAllowed(id, 'reorder');
      const rest = this.queuedIds().filter((id) => !ids.includes(id));
      [...ids, ...rest].forEach((id, i) => set.run(i, id));
    })();
  }

  /**
   * A queued run leaves the queue to train (its training process is prepared next) on `host`: this workbench's
   * own trainer by default; null when the host that takes it is not known yet (it is recorded then, hosts.ts).
   */
  markRunning(id: number, host: string | null = LOCAL_HOST): void {
    this.move(id, 'running', null, undefined, () => {
      this.db
        .prepare(
          "UPDATE runs SET status = 'running', queue_position = NULL, started_at = coalesce(started_at, ?), error = NULL WHERE id = ?",
        )
        .run(now(), id);
      if (host !== null) appendRunHost(this.db, id, host);
    });
  }

  /** The status of run `id`, or null when there is none. */
  statusOf(id: number): RunStatus | null {
    const status = this.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id);
    return status === undefined ? null : (status as RunStatus);
  }

  /**
   * Moves run `id` to `to` when the lifecycle allows it from the status it has now (and, for a user's
   * `action`, when that status allows the action): `write` runs in the same transaction. Throws NotFound or
   * Conflict (with the lifecycle's words) and writes nothing otherwise.
   */
  private move(
    id: number,
    to: RunStatus,
    error: string | null,
    action: RunAction | undefined,
    write: () => void,
    expected?: RunStatus,
  ): void {
    this.db.transaction(() => {
      const from = this.statusOf(id);
      if (from === null) throw new NotFound(`no run ${id}`);
      if (expected && from !== expected) throw new Conflict(`run ${id} is ${from}, no longer ${expected}`);
      if (action && !allows(from, action)) throw new Conflict(refusal(id, from, action));
      if (!canMove(from, to)) throw new Conflict(`run ${id} is ${from}; it cannot become ${to}`);
      write();
    })();
    this.onStatus({ runId: id, status: to, error });
  }

  /** Throws NotFound or Conflict unless run `id` allows `action` now. */
  requireAllowed(id: number, action: RunAction): RunStatus {
    const status = this.statusOf(id);
    if (status === null) throw new NotFound(`no run ${id}`);
    if (!allows(status, action)) throw new Conflict(refusal(id, status, action));
    return status;
  }

  /** Cancels run `id` if it is still queued; returns the status it had (a run that started meanwhile is left to the queue). */
  cancelQueued(id: number): RunStatus {
    try {
      this.end(id, 'cancelled', null, null, null, 'queued');
      return 'queued';
    } catch (err) {
      if (err instanceof Conflict) return this.requireAllowed(id, 'cancel');
      throw err;
    }
  }

  /** Asks the process that trains run `id` (another one: it polls the database) to cancel it. */
  requestCancel(id: number): void {
    this.setSetting(`${CANCEL_REQUEST}${id}`, '1');
  }

  /** The runs whose cancel was asked for and not yet handled. */
  cancelRequests(): number[] {
    return (this.db.prepare('SELECT key FROM settings WHERE key LIKE ?').pluck().all(`${CANCEL_REQUEST}%`) as string[]).map((k) =>
      Number(k.slice(CANCEL_REQUEST.length)),
    );
  }

  clearCancelRequest(id: number): void {
    this.setSetting(`${CANCEL_REQUEST}${id}`, null);
  }

  /** Changes whenever another connection (another process) commits to the database; see SQLite's `PRAGMA data_version`. */
  dataVersion(): number {
    return Number(this.db.pragma('data_version', { simple: true }));
  }

  /** Tags are kept sorted and unique, so a tag filter and an export read the same list. */
  setTags(id: number, tags: string[]): void {
    this.db.prepare('UPDATE runs SET tags = ? WHERE id = ?').run(JSON.stringify([...new Set(tags)].sort()), id);
  }

  setNote(id: number, note: string): void {
    this.db.prepare('UPDATE runs SET note = ? WHERE id = ?').run(note, id);
  }

  /** The training time of the run so far, all attempts together (kept up to date while it trains, so a crash loses little). */
  setSeconds(id: number, seconds: number): void {
    this.db.prepare('UPDATE runs SET seconds = ? WHERE id = ?').run(seconds, id);
  }

  setBackend(id: number, backend: string): void {
    this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(backend, id);
  }

  /** Training continues after a checkpoint: drop the progress recorded after it (it will be recorded again). */
  markResuming(id: number, epoch: number, step: number): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM metrics WHERE run_id = ? AND (step > ? OR (kind = 'epoch' AND epoch > ?))").run(id, step, epoch);
      this.db.prepare('UPDATE runs SET resumed_from_epoch = ? WHERE id = ?').run(epoch, id);
    })();
  }

  /**
   * Runs that were running when the service stopped go back to the head of the queue, in the order they started;
   * those in `except` stay running (a training host still trains them).
   */
  requeueInterrupted(except: readonly number[] = []): number[] {
    const ids = this.db.transaction(() => {
      const running = this.idsWithStatus('running').filter((id) => !except.includes(id) && canMove('running', 'queued'));
      const requeue = this.db.prepare("UPDATE runs SET status = 'queued', restarts = restarts + 1 WHERE id = ?");
      for (const id of running) requeue.run(id);
      if (running.length > 0) this.reorder(running);
      return running;
    })();
    for (const id of ids) this.onStatus({ runId: id, status: 'queued', error: null });
    return ids;
  }

  /** A running run interrupted and taken over where it stands (a training host died; another resumes it): it stays running. */
  addRestart(id: number): void {
    this.db.prepare("UPDATE runs SET restarts = restarts + 1 WHERE id = ? AND status = 'running'").run(id);
  }

  addMetrics(rows: MetricRow[]): void {
    const insert = this.db.prepare(
      'INSERT INTO metrics (run_id, kind, step, epoch, examples_seen, split, loss, accuracy, tokens_per_second) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const m of rows) {
        if (m.kind === 'step') insert.run(m.runId, 'step', m.step, m.epoch, m.examplesSeen, 'train', m.loss, null, m.tokensPerSecond);
        else if (m.kind === 'eval') {
          const p = m.point;
          insert.run(m.runId, 'eval', p.step, p.epoch, p.examplesSeen, 'train', p.trainLoss, p.trainAccuracy, null);
          insert.run(m.runId, 'eval', p.step, p.epoch, p.examplesSeen, 'val', p.valLoss, p.valAccuracy, null);
        } else {
          const p = m.point;
          insert.run(m.runId, 'epoch', p.step, p.epoch, p.examplesSeen, 'train', null, p.trainAccuracy, null);
          insert.run(m.runId, 'epoch', p.step, p.epoch, p.examplesSeen, 'val', p.valLoss, p.valAccuracy, null);
        }
      }
    })();
  }

  /** The finished run's record: final evaluations, gaps, and its curves as the worker kept them (authoritative over the live ones). */
  finish(id: number, result: WorkerResult, seconds: number, classifierPath: string): void {
    this.move(id, 'finished', null, undefined, () => {
      this.db.prepare("DELETE FROM metrics WHERE run_id = ? AND kind IN ('eval', 'epoch')").run(id);
      this.addMetrics([
        ...result.history.evals.map((point) => ({ kind: 'eval' as const, runId: id, point })),
        ...result.history.epochs.map((point) => ({ kind: 'epoch' as const, runId: id, point })),
      ]);
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO evaluations (run_id, split, count, loss, accuracy, confusion) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const keep = this.db.prepare('INSERT OR REPLACE INTO predictions (run_id, split, count, data) VALUES (?, ?, ?, ?)');
      for (const split of ['train', 'val', 'test'] as const) {
        const e = result.final[split];
        insert.run(id, split, e.count, e.loss, e.accuracy, JSON.stringify(e.confusion));
        keep.run(id, split, e.count, Buffer.from(result.predictions[split], 'base64'));
      }
      this.db
        .prepare(
          `UPDATE runs SET status = 'finished', finished_at = ?, seconds = ?, backend = ?, trainable_parameters = ?, total_parameters = ?,
             labels = ?, gap_train_val = ?, gap_train_test = ?, error = NULL WHERE id = ?`,
        )
        .run(
          now(),
          seconds,
          result.backend,
          result.parameters.trainable,
          result.parameters.total,
          JSON.stringify(result.labels),
          result.gap.trainVal,
          result.gap.trainTest,
          id,
        );
      this.db
        .prepare('INSERT OR REPLACE INTO classifiers (run_id, path, labels, created_at) VALUES (?, ?, ?, ?)')
        .run(id, classifierPath, JSON.stringify(result.labels), now());
      this.setSetting(`${PREFIX_CACHE}${id}`, result.prefixCache && JSON.stringify(result.prefixCache));
      this.clearCancelRequest(id);
    });
  }

  /** Ends a run as failed or cancelled, with a reason and the last lines of its output (only from status `from`, when given). */
  end(
    id: number,
    status: 'failed' | 'cancelled',
    error: string | null,
    outputTail: string | null,
    seconds: number | null,
    from?: RunStatus,
  ): void {
    const write = () => {
      this.db
        .prepare('UPDATE runs SET status = ?, queue_position = NULL, finished_at = ?, seconds = ?, error = ?, output_tail = ? WHERE id = ?')
        .run(status, now(), seconds, error, outputTail, id);
      this.clearCancelRequest(id);
    };
    this.move(id, status, error, undefined, write, from);
  }

  /** A failed or cancelled run queued again from scratch: its metrics and results are cleared, it goes to the end of the queue. */
  requeue(id: number): void {
    this.move(id, 'queued', null, 'retry', () => {
      this.clearResults(id);
      this.db
        .prepare(
          `UPDATE runs SET status = 'queued', queue_position = ?, started_at = NULL, finished_at = NULL, seconds = NULL, error = NULL,
             resumed_from_epoch = NULL, gap_train_val = NULL, gap_train_test = NULL, restarts = 0, hosts = '[]' WHERE id = ?`,
        )
        .run(this.nextPosition(), id);
    });
  }

  delete(id: number): void {
    this.db.transaction(() => {
      this.requireAllowed(id, 'delete');
      this.clearResults(id);
      this.db.prepare('UPDATE runs SET duplicate_of = NULL WHERE duplicate_of = ?').run(id);
      this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    })();
  }

  evaluations(id: number): Record<'train' | 'val' | 'test', SplitEvaluation> | null {
    const rows = this.db.prepare('SELECT split, count, loss, accuracy, confusion FROM evaluations WHERE run_id = ?').all(id) as Raw[];
    if (rows.length < 3) return null;
    const bySplit = Object.fromEntries(
      rows.map((r) => [
        r.split,
        {
          count: Number(r.count),
          loss: Number(r.loss),
          accuracy: Number(r.accuracy),
          confusion: JSON.parse(String(r.confusion)) as number[][],
        },
      ]),
    );
    return bySplit as Record<'train' | 'val' | 'test', SplitEvaluation>;
  }

  curves(id: number): { evals: ApiEvalPoint[]; epochs: ApiEpochPoint[] } {
    const rows = this.db
      .prepare("SELECT * FROM metrics WHERE run_id = ? AND kind IN ('eval', 'epoch') ORDER BY kind, step, epoch, split")
      .all(id) as Raw[];
    const pairs = new Map<string, { train?: Raw; val?: Raw }>();
    for (const r of rows) {
      const key = `${r.kind}:${r.step}:${r.epoch}`;
      pairs.set(key, { ...pairs.get(key), [String(r.split)]: r });
    }
    const evals: ApiEvalPoint[] = [];
    const epochs: ApiEpochPoint[] = [];
    for (const { train, val } of pairs.values()) {
      if (!train || !val) continue;
      const base = { step: Number(train.step), epoch: Number(train.epoch), examplesSeen: Number(train.examples_seen) };
      if (train.kind === 'eval') {
        evals.push({
          ...base,
          trainLoss: Number(train.loss),
          valLoss: Number(val.loss),
          trainAccuracy: Number(train.accuracy),
          valAccuracy: Number(val.accuracy),
        });
      } else {
        epochs.push({ ...base, trainAccuracy: Number(train.accuracy), valAccuracy: Number(val.accuracy), valLoss: Number(val.loss) });
      }
    }
    return { evals, epochs };
  }

  /** Per-step training loss and speed (the dense curve). */
  stepMetrics(id: number): { step: number; epoch: number; examplesSeen: number; loss: number; tokensPerSecond: number }[] {
    return (
      this.db
        .prepare("SELECT step, epoch, examples_seen, loss, tokens_per_second FROM metrics WHERE run_id = ? AND kind = 'step' ORDER BY step")
        .all(id) as Raw[]
    ).map((r) => ({
      step: Number(r.step),
      epoch: Number(r.epoch),
      examplesSeen: Number(r.examples_seen),
      loss: Number(r.loss),
      tokensPerSecond: Number(r.tokens_per_second),
    }));
  }

  /** A split's per-example predictions; null for runs finished before they were kept. */
  predictions(id: number, split: 'train' | 'val' | 'test'): SplitPredictions | null {
    const data = this.db.prepare('SELECT data FROM predictions WHERE run_id = ? AND split = ?').pluck().get(id, split) as
      Buffer | undefined;
    return data === undefined ? null : decodePredictions(data);
  }

  /** A finished run's frozen-prefix cache: its depth, and whether it was computed or read from the prefix store. */
  prefixCache(id: number): PrefixCacheRecord | null {
    const saved = this.getSetting(`${PREFIX_CACHE}${id}`);
    return saved === null ? null : (JSON.parse(saved) as PrefixCacheRecord);
  }

  hasPredictions(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM predictions WHERE run_id = ? LIMIT 1').pluck().get(id) !== undefined;
  }

  hasClassifier(id: number): string | null {
    const p = this.db.prepare('SELECT path FROM classifiers WHERE run_id = ?').pluck().get(id);
    return p === undefined ? null : String(p);
  }

  runsUsingDataset(datasetId: string, statuses?: RunStatus[]): number {
    const where = statuses ? ` AND status IN (${statuses.map(() => '?').join(', ')})` : '';
    return Number(
      this.db
        .prepare(`SELECT count(*) FROM runs WHERE dataset_id = ?${where}`)
        .pluck()
        .get(datasetId, ...(statuses ?? [])),
    );
  }

  getSetting(key: string): string | null {
    const v = this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key);
    return v === undefined ? null : String(v);
  }

  setSetting(key: string, value: string | null): void {
    if (value === null) this.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    else this.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, value);
  }

  private clearResults(id: number): void {
    for (const table of ['metrics', 'evaluations', 'predictions', 'classifiers'])
      this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(id);
    this.setSetting(`${PREFIX_CACHE}${id}`, null);
  }

  private nextPosition(): number {
    return Number(this.db.prepare("SELECT coalesce(max(queue_position), -1) + 1 FROM runs WHERE status = 'queued'").pluck().get());
  }
}
