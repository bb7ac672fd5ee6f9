import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  RunExportOptionsSchema,
  RunGridSchema,
  type Comparison,
  type EvalSplit,
  type PlannedRun,
  type Prediction,
  type RunDetail,
  type RunGrid,
  type RunSummary,
  type SystemInfo,
  type WorkbenchApi,
  type WorkbenchClient,
  type WorkbenchEvent,
} from '../common/api.js';
import { PRESET_NAMES, type PresetName } from '../common/modelSpec.js';
import { defaultCacheDir } from '../core/cacheDir.js';
import { describeCause } from '../core/errorReasons.js';
import { PRESET_REPOS } from '../core/model/config.js';
import { initDevice } from '../core/model/onnx/session.js';
import { modelShape } from '../core/train/run.js';
import { ClassifierCache } from './classifierCache.js';
import { compareStatistics, groupSummaries, whyNotPaired, type ComparedRun } from './comparisonStatistics.js';
import { configFields, configHash, differingFields, groupKey, splitKey } from './configFields.js';
import { openDatabase, type Db } from './database.js';
import { DatasetCatalog } from './datasets.js';
import { DEFAULT_DISK_RESERVE_BYTES } from './diskSpace.js';
import { Conflict, InvalidRequest, NotFound } from './errors.js';
import { differencesFromBook, expandGrid } from './grid.js';
import { Estimates } from './estimates.js';
import { exportRows, groupRows, toCsv } from './runExport.js';
import { classFigures, summaryFigures } from './runFigures.js';
import { SplitMessages } from './splitMessages.js';
import { makeDataFolderPrivate } from './privateFiles.js';
import { PrefixStoreSettings } from './prefixStoreSettings.js';
import { emptySplitProblem, memoryProblem } from './runChecks.js';
import { initInference } from '../core/model/inference.js';
import { RunFolders } from './runFiles.js';
import { RunQueue } from './runQueue.js';
import { OUTPUT_TAIL_LINES } from './runSupervisor.js';
import { RunStore, type RunRow } from './runStore.js';
import { spawnNodeWorker, type SpawnWorker } from './trainerHost.js';
import { validated } from './validation.js';
import { checkConfigFiles } from './localFiles.js';
import { storageError } from './storageErrors.js';
import { HostRegistry } from './hosts.js';
import { TrainingHostsSettings, type HostListener, type RedisOverride } from './trainingHosts.js';
import { Coordinator } from './remote/coordinator.js';
import { hostRoutes, type HostRoutes } from './remote/routes.js';

export const DATABASE_FILE = 'workbench.sqlite';

export interface WorkbenchServiceOptions {
  /** The data folder (see dataFolder.ts); created when missing. */
  dataDir: string;
  /** How training processes start (default: Node child processes; Electron passes utilityProcess). */
  spawnWorker?: SpawnWorker;
  /** Runs training at once (default 1). */
  concurrency?: number;
  /** Start the queue at once (default true). Off for commands that only read or add runs. */
  autoStart?: boolean;
  /** Downloads (GPT-2 weights, the SMS Spam Collection): default WORKBENCH_CACHE_DIR or the XDG cache. */
  cacheDir?: string;
  /** Disk space kept free beyond a run's checkpoints before it may start (default 200 MB). */
  diskReserveBytes?: number;
  /** The version getSystemInfo reports (default: package.json's; the desktop app passes app.getVersion()). */
  appVersion?: string;
  /** Where the service says what it found at start (e.g. another database's run folders); default stderr. */
  log?: (line: string) => void;
  /**
   * Run configs may name any local file (a weights file, a data file): the command line, whose user owns the
   * machine. Off (default) for the HTTP and IPC API: only imported data sets and weights inside the data or
   * cache folder (localFiles.ts).
   */
  acceptFilePaths?: boolean;
  /** A Redis URL for training hosts given at start (trainingHosts.ts `redisOverride`); it outranks the System page's setting. */
  redis?: RedisOverride | null;
  /** How training hosts reach this workbench (trainingHosts.ts HostListener): serve's server, the desktop app's own listener (src/main/hostListener.ts), or nothing (default). */
  hostListener?: HostListener;
}

/** The application layer: every API method plus the event stream, and the queue's lifecycle. */
export interface WorkbenchService extends WorkbenchClient {
  readonly dataDir: string;
  /** The training hosts heard from and the hosts of each run: the coordinator records into it. */
  readonly hosts: HostRegistry;
  /** Where queued runs go for training hosts, and whether this workbench trains too: the coordinator reads it. */
  readonly trainingHosts: TrainingHostsSettings;
  /** What serve's HTTP server answers training hosts with (remote/routes.ts). */
  readonly hostRoutes: HostRoutes;
  /** Streams a data file into the data folder's uploads (`POST /api/upload`, the CLI); previewDataset and importDataset take its id. */
  receiveUpload(source: Readable, name: string): Promise<{ uploadId: string; bytes: number }>;
  /** Takes over the queue (resuming interrupted runs) and starts training queued runs. */
  startQueue(): void;
  /** Resolves when nothing is training and nothing more will start now. */
  whenIdle(): Promise<void>;
  /**
   * Stops the service. Running runs are stopped and resume from their checkpoints on the next
   * start, unless `finishRunning`, which waits for them (and starts nothing new).
   */
  close(options?: { finishRunning?: boolean }): Promise<void>;
}

/** The device ONNX Runtime's sessions run on here (the training processes decide alike, from the same environment). */
async function onnxDevice(): Promise<{ device: string | null; deviceReason: string | null }> {
  try {
    const { device, reason } = await initDevice();
    return { device, deviceReason: reason };
  } catch (err) {
    return { device: null, deviceReason: describeCause(err) };
  }
}

/** The version in package.json, read when first asked (a bundle may sit elsewhere; Electron passes its own). */
let packageVersion: string | undefined;
export function versionFromPackage(): string {
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json');
  packageVersion ??= (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  return packageVersion;
}

export async function createWorkbenchService(options: WorkbenchServiceOptions): Promise<WorkbenchService> {
  const dataDir = path.resolve(options.dataDir);
  makeDataFolderPrivate(dataDir);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  const events = new EventEmitter();
  const report = options.log ?? ((line: string) => process.stderr.write(`workbench: ${line}\n`));
  // A listener that throws (a closed event stream, a window gone) must not break whoever emitted, nor the other listeners.
  const emit = (event: WorkbenchEvent) => {
    for (const listener of events.listeners('event') as ((e: WorkbenchEvent) => void)[]) {
      try {
        listener(event);
      } catch (err) {
        report(`an event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const store = new RunStore(db, ({ runId, status, error }) => {
    emit({ type: 'run-status', runId, status, error });
    emit({ type: 'runs-changed' });
  });
  const folders = RunFolders.bind(store, dataDir, report);
  const hosts = new HostRegistry(db, (list) => emit({ type: 'hosts', hosts: list }));
  const trainingHosts = new TrainingHostsSettings(store, options.redis ?? null, options.hostListener ?? 'none');
  const appVersion = options.appVersion ?? versionFromPackage();
  const coordinator = new Coordinator({ store, folders, hosts, settings: trainingHosts, appVersion, log: report });
  const datasets = new DatasetCatalog(db, dataDir, cacheDir);
  await datasets.refreshBuiltins().catch(() => {});
  void datasets.uploads.removeStale();
  const prefixStore = new PrefixStoreSettings(store, dataDir);
  const queue = new RunQueue({
    store,
    datasets,
    dataDir,
    folders,
    cacheDir,
    prefixStore,
    spawnWorker: options.spawnWorker ?? spawnNodeWorker,
    concurrency: options.concurrency ?? 1,
    diskReserveBytes: options.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES,
    emit,
    log: report,
    remote: coordinator,
  });
  const classifiers = new ClassifierCache();
  const api = validated(
    workbenchApi({
      db,
      store,
      datasets,
      queue,
      classifiers,
      folders,
      prefixStore,
      dataDir,
      cacheDir,
      appVersion,
      emit,
      acceptFilePaths: options.acceptFilePaths ?? false,
      hosts,
      trainingHosts,
    }),
  );
  let closed = false;
  const service: WorkbenchService = {
    ...api,
    dataDir,
    hosts,
    trainingHosts,
    hostRoutes: hostRoutes(coordinator, store, dataDir, folders),
    onEvent(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async receiveUpload(source, name) {
      const upload = await datasets.uploads.receive(source, name);
      return { uploadId: upload.id, bytes: upload.bytes };
    },
    startQueue: () => queue.start(),
    whenIdle: () => queue.whenIdle(),
    async close({ finishRunning = false } = {}) {
      if (closed) return;
      closed = true;
      // Each part closes even when another fails (a full disk, a damaged database): what can be closed is.
      const failures: unknown[] = [];
      const attempt = async (part: () => unknown) => {
        try {
          await part();
        } catch (err) {
          failures.push(err);
        }
      };
      await attempt(() => queue.close(finishRunning));
      await attempt(() => coordinator.close());
      await attempt(() => datasets.close());
      await attempt(() => classifiers.clear());
      events.removeAllListeners();
      await attempt(() => db.close());
      if (failures.length > 0) throw storageError(failures[0], 'closing the workbench', dataDir);
    },
  };
  if (options.autoStart ?? true) queue.start();
  return service;
}

interface Parts {
  db: Db;
  store: RunStore;
  datasets: DatasetCatalog;
  queue: RunQueue;
  classifiers: ClassifierCache;
  folders: RunFolders;
  prefixStore: PrefixStoreSettings;
  dataDir: string;
  cacheDir: string;
  appVersion: string;
  emit(event: WorkbenchEvent): void;
  acceptFilePaths: boolean;
  hosts: HostRegistry;
  trainingHosts: TrainingHostsSettings;
}

function workbenchApi({
  store,
  datasets,
  queue,
  classifiers,
  folders,
  prefixStore,
  dataDir,
  cacheDir,
  appVersion,
  emit,
  acceptFilePaths,
  hosts,
  trainingHosts,
}: Parts): WorkbenchApi {
  const runsUsing = (id: string) => store.runsUsingDataset(id);
  const datasetName = (id: string) => datasets.name(id);
  const messages = new SplitMessages(cacheDir);
  const estimates = new Estimates(store, datasets, messages);
  /** Estimated seconds of the queued runs among `rows`. */
  const queuedEstimates = async (rows: RunRow[]): Promise<Map<number, number | null>> => {
    const queued = rows.filter((r) => r.status === 'queued');
    const seconds = await estimates.estimate(queued);
    return new Map(queued.map((r, i) => [r.id, seconds[i]]));
  };
  const requireRun = (id: number): RunRow => {
    const row = store.get(id);
    if (!row) throw new NotFound(`no run ${id}`);
    return row;
  };
  const requireFinished = (id: number): RunRow => {
    const row = requireRun(id);
    if (row.status !== 'finished') throw new Conflict(`run ${id} is ${row.status}; only a finished run has predictions`);
    return row;
  };
  const requirePredictions = (row: RunRow, split: EvalSplit) => {
    const kept = store.predictions(row.id, split);
    if (!kept) throw new Conflict(`run ${row.id} has no per-message predictions kept: it finished before this version of the workbench`);
    return kept;
  };
  /** The messages of a run's split, in the order of its stored predictions. */
  const splitTexts = (row: RunRow, split: EvalSplit) =>
    messages.of(splitKey(row.config, row.datasetHash), datasets.resolve(row.config), split).catch((err: Error) => {
      throw new Conflict(`the messages of run ${row.id} cannot be read again: ${err.message}`);
    });
  const compared = (row: RunRow): ComparedRun => ({
    id: row.id,
    status: row.status,
    config: row.config,
    datasetHash: row.datasetHash,
    group: groupKey(row.config, row.datasetHash),
    splitKey: splitKey(row.config, row.datasetHash),
    evaluation: store.evaluations(row.id),
    predictions: (split) => store.predictions(row.id, split),
  });
  const summary = (row: RunRow, queued: number[], estimated: Map<number, number | null>): RunSummary => {
    const evaluation = store.evaluations(row.id);
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      queuePosition: row.status === 'queued' ? queued.indexOf(row.id) : null,
      config: row.config,
      datasetId: row.datasetId,
      datasetName: datasets.name(row.datasetId),
      differences: differencesFromBook(row.config, (id) => datasets.name(id)),
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      seconds: row.seconds,
      backend: row.backend,
      parameters: row.parameters,
      ...summaryFigures(evaluation),
      gap: row.gap,
      progress: queue.progressOf(row.id),
      error: row.error,
      duplicateOf: row.duplicateOf,
      resumedFromEpoch: row.resumedFromEpoch,
      restarts: row.restarts,
      hasClassifier: store.hasClassifier(row.id) !== null,
      group: groupKey(row.config, row.datasetHash),
      splitKey: splitKey(row.config, row.datasetHash),
      hasPredictions: store.hasPredictions(row.id),
      tags: row.tags,
      note: row.note,
      host: row.hosts.at(-1) ?? null,
      hosts: row.hosts,
      estimatedSeconds: estimated.get(row.id) ?? null,
      wallSeconds:
        row.startedAt === null ? null : ((row.finishedAt ? Date.parse(row.finishedAt) : Date.now()) - Date.parse(row.startedAt)) / 1000,
    };
  };
  const detail = async (row: RunRow): Promise<RunDetail> => {
    const evaluation = store.evaluations(row.id);
    const labels = row.labels ?? [];
    const figures = evaluation && classFigures(evaluation, labels);
    return {
      ...summary(row, store.queuedIds(), await queuedEstimates([row])),
      labels,
      perClass: figures?.perClass ?? null,
      macroF1: figures?.macroF1 ?? null,
      curves: store.curves(row.id),
      evaluation,
      logTail: folders.owns(row.id) ? await logTail(folders.paths(row.id).log, row.outputTail) : (row.outputTail ?? ''),
      prefixCache: store.prefixCache(row.id),
    };
  };
  /** A finished run's saved classifier, or Conflict. */
  const classifierDir = (runId: number): string => {
    const row = requireRun(runId);
    const dir = store.hasClassifier(runId);
    if (row.status !== 'finished' || dir === null)
      throw new Conflict(`run ${runId} is ${row.status}; only a finished run has a classifier`);
    return path.join(dataDir, dir);
  };
  const copySource = (id: number | undefined) => {
    if (id === undefined) return undefined;
    const source = store.get(id);
    if (!source) throw new NotFound(`createRuns: copyOf: no run ${id}`);
    return { id, config: source.config };
  };
  const changed = () => {
    emit({ type: 'runs-changed' });
    queue.changed();
  };

  const plan = async (grid: RunGrid): Promise<(PlannedRun & { configHash: string; datasetHash: string })[]> => {
    const { inference } = await initInference();
    const planned = expandGrid(RunGridSchema.parse(grid), datasetName, copySource(grid.copyOf)).map(({ name, config }) => {
      if (!acceptFilePaths) checkConfigFiles(config, { dataDir, cacheDir }, (id) => datasets.has(id));
      const datasetHash = datasets.contentKey(config.dataset.source);
      let parameters;
      let problem;
      try {
        const shape = modelShape(config);
        parameters = datasets.parameters(config, config.dataset.source, shape);
        problem =
          emptySplitProblem(config, datasets.summary(config.dataset.source, () => 0).labels) ??
          memoryProblem(config, shape, parameters, inference);
      } catch (err) {
        throw new InvalidRequest(`${name}: ${(err as Error).message}`);
      }
      if (problem) throw new InvalidRequest(`${name}: ${problem}`);
      const hash = configHash(config);
      return {
        name,
        config,
        parameters,
        estimatedSeconds: null as number | null,
        duplicateOf: store.findDuplicate(hash, datasetHash),
        group: groupKey(config, datasetHash),
        configHash: hash,
        datasetHash,
      };
    });
    const seconds = await estimates.estimate(planned);
    return planned.map((p, i) => ({ ...p, estimatedSeconds: seconds[i] }));
  };

  return {
    async getSystemInfo(): Promise<SystemInfo> {
      const backend = queue.lastBackend ?? classifiers.backend ?? store.list().findLast((r) => r.backend)?.backend ?? null;
      const { device, deviceReason } = await onnxDevice();
      return {
        appVersion,
        platform: process.platform,
        versions: { node: process.versions.node, electron: process.versions.electron ?? null, chrome: process.versions.chrome ?? null },
        backend,
        inference: classifiers.inference ?? (backend ? 'tfjs' : null),
        device,
        deviceReason,
        threads: os.availableParallelism(),
        gpu: backend === 'tfjs-node-gpu' || device === 'cuda',
        dataFolder: dataDir,
        modelCache: await cachedModels(cacheDir),
        prefixStore: await prefixStore.info(),
      };
    },
    async listHosts() {
      return hosts.list();
    },
    async getTrainingHosts() {
      return trainingHosts.view();
    },
    async setTrainingHosts(input) {
      trainingHosts.save(input);
      await trainingHosts.settled();
      return trainingHosts.view();
    },
    async deleteCachedModel(preset) {
      if (!(PRESET_NAMES as readonly string[]).includes(preset))
        throw new InvalidRequest(`deleteCachedModel: "${preset}" is not one of ${PRESET_NAMES.join(', ')}`);
      await rm(presetFolder(cacheDir, preset as PresetName), { recursive: true, force: true });
    },
    setPrefixStoreCap: (bytes) => prefixStore.setCap(bytes),
    clearPrefixStore: () => prefixStore.clear(),

    async previewDataset(file, mapping) {
      return datasets.preview(file, mapping);
    },
    async importDataset(file, mapping, name) {
      const summary = await datasets.import(file, mapping, name);
      emit({ type: 'datasets-changed' });
      return { ...summary, runs: runsUsing(summary.id) };
    },
    async listDatasets() {
      await datasets.refreshBuiltins().catch(() => {});
      return datasets.list(runsUsing);
    },
    async deleteDataset(id) {
      await datasets.delete(id, store.runsUsingDataset(id, ['queued', 'running']));
      emit({ type: 'datasets-changed' });
    },

    async planRuns(grid) {
      return (await plan(grid)).map(({ configHash: _h, datasetHash: _d, ...planned }) => planned);
    },
    async createRuns(grid) {
      const planned = await plan(grid);
      const created = store.insertAll(
        planned.map((p) => ({
          name: p.name,
          config: p.config,
          configHash: p.configHash,
          datasetId: p.config.dataset.source,
          datasetHash: p.datasetHash,
          parameters: p.parameters,
        })),
      );
      changed();
      queue.pump();
      return created.map((c, i) => ({ id: c.id, name: planned[i].name, duplicateOf: c.duplicateOf, group: planned[i].group }));
    },
    async listRuns() {
      const queued = store.queuedIds();
      const rows = store.list();
      const estimated = await queuedEstimates(rows);
      return rows.map((row) => summary(row, queued, estimated));
    },
    async getRun(id) {
      return detail(requireRun(id));
    },
    async reorderQueue(ids) {
      if (new Set(ids).size !== ids.length) throw new InvalidRequest('reorderQueue: a run is listed twice');
      store.reorder(ids);
      changed();
      return queue.state();
    },
    async cancelRun(id) {
      // Queued: cancelled here and now. Running (launching or training, here or in the process that owns the queue): the queue stops it.
      if (store.cancelQueued(id) === 'queued') return queue.changed();
      if (!queue.cancel(id)) store.cancelQueued(id); // ended meanwhile: refused with what it is now
    },
    async retryRun(id) {
      store.requireAllowed(id, 'retry');
      classifiers.forget(id);
      if (folders.owns(id)) {
        // A retry starts from scratch: an old checkpoint would make it resume instead.
        const paths = folders.paths(id);
        await Promise.all([
          rm(paths.checkpoints, { recursive: true, force: true }),
          rm(paths.classifier, { recursive: true, force: true }),
        ]);
      }
      store.requeue(id);
      queue.changed();
      queue.pump();
    },
    async setRunTags(id, tags) {
      requireRun(id);
      store.setTags(id, tags);
      changed();
    },
    async setRunNote(id, note) {
      requireRun(id);
      store.setNote(id, note);
      changed();
    },
    async deleteRun(id) {
      store.requireAllowed(id, 'delete');
      classifiers.forget(id);
      // Its folder only when this database made it (another database's run of the same number is left alone).
      const owned = folders.owns(id);
      store.delete(id);
      if (owned) await rm(folders.paths(id).dir, { recursive: true, force: true });
      changed();
    },
    async getQueueState() {
      return queue.state();
    },
    async setQueuePaused(paused) {
      queue.setPaused(paused);
      return queue.state();
    },
    async compareRuns(ids, split = 'test'): Promise<Comparison> {
      const rows = ids.map(requireRun);
      const runs = await Promise.all(rows.map(detail));
      const configs = runs.map((r) => r.config);
      const fields = differingFields(configs);
      return {
        runs,
        differences: fields.map((field) => ({ field, values: configs.map((c) => configFields(c).get(field) ?? null) })),
        statistics: compareStatistics(rows.map(compared), split, datasetName),
      };
    },
    async listGroups() {
      return groupSummaries(store.list().map(compared), datasetName);
    },
    async exportRuns(options) {
      const { format, groups, ids } = RunExportOptionsSchema.parse(options);
      const rows = ids ? ids.map(requireRun) : store.list();
      const queued = store.queuedIds();
      const runs = await Promise.all(rows.map(async (row) => (row.status === 'finished' ? detail(row) : summary(row, queued, new Map()))));
      const key = groups ? 'groups' : 'runs';
      const table = groups ? groupRows(groupSummaries(rows.map(compared), datasetName), runs) : exportRows(runs);
      const text = format === 'json' ? `${JSON.stringify({ [key]: table })}\n` : toCsv(table, key);
      return { fileName: `workbench-${key}.${format}`, mediaType: format === 'json' ? 'application/json' : 'text/csv', text };
    },
    async getRunErrors(id, split = 'test') {
      const row = requireFinished(id);
      const kept = requirePredictions(row, split);
      const texts = await splitTexts(row, split);
      const labels = row.labels ?? [];
      const errors = [...kept.labels.keys()]
        .filter((k) => kept.predicted[k] !== kept.labels[k])
        .map((k) => ({
          index: k,
          text: texts[k].text,
          label: labels[kept.labels[k]],
          predicted: labels[kept.predicted[k]],
          confidence: kept.confidence[k],
        }))
        .sort((x, y) => y.confidence - x.confidence || x.index - y.index);
      return { split, count: kept.labels.length, errors };
    },
    async getDisagreements(a, b, split = 'test') {
      const [ra, rb] = [requireFinished(a), requireFinished(b)];
      const why = whyNotPaired(compared(ra), compared(rb), split);
      if (typeof why === 'string') throw new Conflict(`runs ${a} and ${b} cannot be paired message by message: ${why}`);
      const [pa, pb] = [requirePredictions(ra, split), requirePredictions(rb, split)];
      const texts = await splitTexts(ra, split);
      const labels = ra.labels ?? [];
      const disagreements = [...pa.labels.keys()]
        .filter((k) => (pa.predicted[k] === pa.labels[k]) !== (pb.predicted[k] === pb.labels[k]))
        .map((k) => ({
          index: k,
          text: texts[k].text,
          label: labels[pa.labels[k]],
          a: labels[pa.predicted[k]],
          b: labels[pb.predicted[k]],
          aConfidence: pa.confidence[k],
          bConfidence: pb.confidence[k],
        }));
      return { split, a, b, count: pa.labels.length, disagreements };
    },

    async classify(runId, texts): Promise<Prediction[]> {
      const predictions = await classifiers.classify(runId, classifierDir(runId), texts);
      return predictions.map((p, i) => ({ text: texts[i], ...p }));
    },
    async loadClassifier(runId) {
      await classifiers.load(runId, classifierDir(runId));
    },
  };
}

async function logTail(file: string, fallback: string | null): Promise<string> {
  if (!existsSync(file)) return fallback ?? '';
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return lines.slice(-OUTPUT_TAIL_LINES).join('\n');
}

function presetFolder(cacheDir: string, preset: PresetName): string {
  return path.join(cacheDir, ...PRESET_REPOS[preset].split('/'));
}

async function cachedModels(cacheDir: string): Promise<SystemInfo['modelCache']> {
  const found: SystemInfo['modelCache'] = [];
  for (const preset of PRESET_NAMES) {
    const file = path.join(presetFolder(cacheDir, preset), 'model.safetensors');
    const s = await stat(file).catch(() => null);
    if (s?.isFile()) found.push({ preset, path: file, bytes: s.size });
  }
  return found;
}
