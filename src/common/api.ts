import { z } from 'zod';
import { RunConfigSchema } from './runConfig.js';
import { TextEncodingSchema } from './textEncoding.js';

// The one contract between the UI and the application, with two transports: Electron IPC
// (src/preload + src/main/ipc.ts) and HTTP in `serve` mode (src/service/http). Both are generated
// from the tables here and in channels.ts, so adding a method is a line in `WorkbenchApi`, its
// schemas in `apiMethods` and its name in channels.ts; the compiler rejects a method missing from
// either table, or whose schemas disagree with its signature.

// ---------------------------------------------------------------------------------------------
// Datasets

/**
 * A file as the UI has it: a drop on the window or a file picker. Its bytes travel as base64 (IPC, small files), or
 * were streamed before to `POST /api/upload` (UPLOAD_PATH in channels.ts), which answered with the upload id named here.
 */
export const DatasetFileSchema = z
  .object({
    name: z.string().min(1),
    base64: z.string().optional(),
    /** An upload's id (32 hex digits), instead of `base64`. */
    uploadId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'an upload id is 32 hexadecimal digits')
      .optional(),
    /** Where the file is, when the UI knows (Electron's file picker, the CLI); kept as the data set's original path, never read. */
    path: z.string().optional(),
  })
  .refine((f) => (f.base64 === undefined) !== (f.uploadId === undefined), 'give the file as base64 or as an uploadId (one of the two)');
export type DatasetFile = z.infer<typeof DatasetFileSchema>;

const ColumnRefSchema = z.union([z.string().min(1), z.number().int().min(0)]);

/** The mapping step's choices; anything left out is detected. */
export const ColumnMappingSchema = z
  .object({
    textColumn: ColumnRefSchema.optional(),
    labelColumn: ColumnRefSchema.optional(),
    delimiter: z.string().length(1).optional(),
    header: z.boolean().optional(),
    quoting: z.boolean().optional(),
    /** The file's encoding; detected when left out (UTF-8, with or without BOM, else Windows-1252, else Latin-1). */
    encoding: TextEncodingSchema.optional(),
    /**
     * importDataset only: leave out the rows with errors (their lines are recorded with the data set)
     * instead of refusing the file. Off unless chosen; previewDataset ignores it.
     */
    skipProblemRows: z.boolean().optional(),
  })
  .strict();
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

export const ProblemSchema = z.object({
  line: z.number().int(),
  kind: z.enum(['malformed', 'empty-text', 'missing-label', 'unknown-label', 'conflicting-labels', 'duplicate-text', 'too-long']),
  message: z.string(),
  /** Errors block an import; warnings (duplicates, too long) keep their row. */
  severity: z.enum(['error', 'warning']),
});
export type ApiProblem = z.infer<typeof ProblemSchema>;

/** What the mapping step shows before an import. */
export const DatasetPreviewSchema = z.object({
  fileName: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  header: z.boolean(),
  delimiter: z.string(),
  quoting: z.boolean(),
  textColumn: z.number().int(),
  labelColumn: z.number().int(),
  /** The encoding the file was read in, and whether it was detected (else chosen in the mapping). */
  encoding: TextEncodingSchema,
  encodingDetected: z.boolean(),
  /** The first records as read (at most 10), each with its physical line number. */
  sample: z.array(z.object({ line: z.number().int(), fields: z.array(z.string()) })),
  /**
   * The rows with errors that are not in `sample` (the first 20), to show them in place: a record's fields,
   * or for a malformed record (`raw`) its first line as written, as the one field.
   */
  problemRows: z.array(z.object({ line: z.number().int(), fields: z.array(z.string()), raw: z.boolean() })),
  labels: z.record(z.string(), z.number().int()),
  problems: z.array(ProblemSchema),
  /** Texts that would occur in more than one split of the default (book) split. */
  leaks: z.number().int(),
  /** Whether `importDataset` with the same mapping would succeed (no errors). */
  importable: z.boolean(),
  /** The lines of the rows with errors, ascending: what `skipProblemRows` leaves out. */
  problemLines: z.array(z.number().int()),
  /** Whether `importDataset` with `skipProblemRows` would succeed (the rest has two labels or more). */
  importableWithoutProblemRows: z.boolean(),
});
export type DatasetPreview = z.infer<typeof DatasetPreviewSchema>;

export const DatasetSummarySchema = z.object({
  /** `sms-spam-book` and `sms-spam` for the built-in set; imported ones get their own id. Use it as a run's `dataset.source`. */
  id: z.string(),
  name: z.string(),
  builtin: z.boolean(),
  /** Where the user's file was (the workbench keeps its own copy); null for built-ins. */
  originalPath: z.string().nullable(),
  /** sha256 of the labelled rows; null for a built-in set not downloaded yet. */
  contentHash: z.string().nullable(),
  rows: z.number().int().nullable(),
  labels: z.record(z.string(), z.number().int()).nullable(),
  problems: z.array(ProblemSchema),
  /** The lines of the rows left out at the import (`skipProblemRows`), ascending; empty when none were. */
  skippedLines: z.array(z.number().int()),
  /** The encoding the file is read in; null for a built-in set. */
  encoding: TextEncodingSchema.nullable(),
  createdAt: z.string().nullable(),
  /** Runs that use it (a data set in use by a queued or running run cannot be deleted). */
  runs: z.number().int(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

// ---------------------------------------------------------------------------------------------
// Runs

export const RunStatusSchema = z.enum(['queued', 'running', 'finished', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const Splits = <T extends z.ZodType>(t: T) => z.object({ train: t, val: t, test: t });

export const GapSchema = z.object({ trainVal: z.number(), trainTest: z.number() });

/** A 95% interval [low, high] (fractions). */
export const IntervalSchema = z.tuple([z.number(), z.number()]);
export type Interval = z.infer<typeof IntervalSchema>;
/** Wilson score intervals of each split's accuracy. */
export const AccuracyIntervalsSchema = Splits(IntervalSchema);
/** Newcombe's hybrid score intervals of train − val and train − test. */
export const GapIntervalsSchema = z.object({ trainVal: IntervalSchema, trainTest: IntervalSchema });
export type GapIntervals = z.infer<typeof GapIntervalsSchema>;

export const EvalSplitSchema = z.enum(['train', 'val', 'test']);
export type EvalSplit = z.infer<typeof EvalSplitSchema>;
/** The splits two runs are compared on (train is what they learnt from). */
export const HeldOutSplitSchema = z.enum(['val', 'test']);
export type HeldOutSplit = z.infer<typeof HeldOutSplitSchema>;

/** Live state of a running run (the latest step event). */
export const RunProgressSchema = z.object({
  stage: z.enum(['dataset', 'model', 'prefix', 'training', 'evaluating', 'saving']),
  message: z.string(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  examplesSeen: z.number().int(),
  loss: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  /** 0..1 over the whole run. */
  fraction: z.number(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

export const RunSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  status: RunStatusSchema,
  /** Position in the queue (0 = next), null when not queued. */
  queuePosition: z.number().int().nullable(),
  config: RunConfigSchema,
  datasetId: z.string(),
  datasetName: z.string(),
  /** What differs from the book's recipe, e.g. "last-2 · dropout 0.1"; empty for the recipe itself. */
  differences: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  seconds: z.number().nullable(),
  backend: z.string().nullable(),
  parameters: z.object({ trainable: z.number().int(), total: z.number().int() }).nullable(),
  accuracy: Splits(z.number()).nullable(),
  gap: GapSchema.nullable(),
  progress: RunProgressSchema.nullable(),
  /** A one-line reason for a failed run. */
  error: z.string().nullable(),
  /** The run with the same config and data this one repeats, if any. */
  duplicateOf: z.number().int().nullable(),
  /** The epoch (0-based) a resumed run continued after, when the service restarted mid-run. */
  resumedFromEpoch: z.number().int().nullable(),
  /** How often a service restart interrupted it (it then resumed from its checkpoint, or started over without one). */
  restarts: z.number().int(),
  /** Whether a saved classifier exists (so it can classify). */
  hasClassifier: z.boolean(),
  /** 95% Wilson intervals of `accuracy`; null until finished. */
  intervals: AccuracyIntervalsSchema.nullable(),
  /** 95% Newcombe intervals of `gap`; null until finished. */
  gapIntervals: GapIntervalsSchema.nullable(),
  /** Runs that differ only in the training seed (repeats) share this key. */
  group: z.string(),
  /** Runs with the same key are evaluated on the same messages (data set, balance, dedupe, split and split seed). */
  splitKey: z.string(),
  /** Whether per-example predictions were kept (runs finished before they were are compared on totals only). */
  hasPredictions: z.boolean(),
  tags: z.array(z.string()),
  note: z.string(),
  /** Where it trains or trained last: "local" (this workbench) or a training host's name; null before it started. */
  host: z.string().nullable(),
  /** Every host it trained on, in order (a run resumed on another host lists both). */
  hosts: z.array(z.string()),
  /** From the first start to the end (or now), interruptions included; `seconds` is the training time of all attempts. */
  wallSeconds: z.number().nullable(),
  /** A queued run's expected duration from this machine's finished runs; null when not queued or nothing is measured yet. */
  estimatedSeconds: z.number().nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const EvalPointSchema = z.object({
  step: z.number().int(),
  epoch: z.number().int(),
  examplesSeen: z.number().int(),
  trainLoss: z.number(),
  valLoss: z.number(),
  trainAccuracy: z.number(),
  valAccuracy: z.number(),
});
export const EpochPointSchema = z.object({
  epoch: z.number().int(),
  step: z.number().int(),
  examplesSeen: z.number().int(),
  trainAccuracy: z.number(),
  valAccuracy: z.number(),
  valLoss: z.number(),
});
export type ApiEvalPoint = z.infer<typeof EvalPointSchema>;
export type ApiEpochPoint = z.infer<typeof EpochPointSchema>;

export const SplitEvaluationSchema = z.object({
  count: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  /** Rows: true class, columns: predicted, in the order of `labels`. */
  confusion: z.array(z.array(z.number().int())),
});

/** One class's figures on a split; precision is null when nothing was predicted as it, recall when it has no examples. */
export const ClassFiguresSchema = z.object({
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number(),
  support: z.number().int(),
});
export type ClassFigures = z.infer<typeof ClassFiguresSchema>;

/** A run's frozen-prefix cache: k frozen blocks, computed by the run or read from the prefix store; null when it had none. */
export const PrefixCacheRecordSchema = z.object({
  k: z.number().int(),
  examples: z.number().int(),
  inference: z.string(),
  source: z.enum(['computed', 'store']),
  /** Computed from a shallower stored depth (blocks [from, k) run), or 0 / absent: from the ids. */
  from: z.number().int().optional(),
  /** Scope `all`'s dropped prefix: the depth of the per-step trail it read or wrote; absent: none. */
  trail: z.object({ depth: z.number().int(), source: z.enum(['read', 'written']) }).optional(),
});
export type PrefixCacheRecord = z.infer<typeof PrefixCacheRecordSchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  labels: z.array(z.string()),
  /** Per split, per label (from the confusion matrix); null until finished. */
  perClass: Splits(z.record(z.string(), ClassFiguresSchema)).nullable(),
  macroF1: Splits(z.number()).nullable(),
  curves: z.object({ evals: z.array(EvalPointSchema), epochs: z.array(EpochPointSchema) }),
  evaluation: Splits(SplitEvaluationSchema).nullable(),
  /** The last lines the training process printed (most useful when it failed). */
  logTail: z.string(),
  /** Null until finished, and for runs without a frozen prefix. */
  prefixCache: PrefixCacheRecordSchema.nullable(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** The most copies of a grid cell one request queues (`repeats`). */
export const MAX_REPEATS = 50;

/**
 * A grid: the base config and, per field path ("dropout", "trainable", "model.preset",
 * "dataset.source"), the values it takes; the cross product becomes runs. No `vary` = one run.
 */
export const RunGridSchema = z
  .object({
    base: z.record(z.string(), z.unknown()),
    vary: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
    /** Copies of every cell that differ only in the training seed (seed, seed + 1, …); the split stays the cell's. */
    repeats: z.number().int().min(1).max(MAX_REPEATS).default(1),
    /** The run this grid was duplicated from: its runs are named "copy of #N" and what changed. */
    copyOf: z.number().int().min(1).optional(),
  })
  .strict();
export type RunGrid = z.input<typeof RunGridSchema>;

/** One run of a grid before it is queued: what the run builder shows. */
export const PlannedRunSchema = z.object({
  name: z.string(),
  config: RunConfigSchema,
  parameters: z.object({ trainable: z.number().int(), total: z.number().int() }),
  /** From this machine's measured speed (finished runs, or a quick measurement); null when unknown. */
  estimatedSeconds: z.number().nullable(),
  duplicateOf: z.number().int().nullable(),
  group: z.string(),
});
export type PlannedRun = z.infer<typeof PlannedRunSchema>;

export const CreatedRunSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  duplicateOf: z.number().int().nullable(),
  group: z.string(),
});

export const QueueStateSchema = z.object({
  paused: z.boolean(),
  running: z.array(z.number().int()),
  queued: z.array(z.number().int()),
  /** How many runs train at once (default 1). */
  concurrency: z.number().int().min(1),
});
export type QueueState = z.infer<typeof QueueStateSchema>;

/** McNemar's exact test of two runs on the same messages, with Holm's correction across all pairs compared. */
export const PairTestSchema = z.object({
  a: z.number().int(),
  b: z.number().int(),
  /** Messages A gets right and B wrong, and the reverse. */
  aOnlyRight: z.number().int(),
  bOnlyRight: z.number().int(),
  p: z.number(),
  pHolm: z.number(),
  /** pHolm < 0.05. */
  distinguishable: z.boolean(),
});
export type PairTest = z.infer<typeof PairTestSchema>;

const GroupFiguresSchema = z.object({
  train: z.number(),
  val: z.number(),
  test: z.number(),
  trainVal: z.number(),
  trainTest: z.number(),
});
/** Runs that differ only in the training seed, summarised: mean, sd and the 95% t-interval of the mean (null below n = 2). */
export const GroupSummarySchema = z.object({
  key: z.string(),
  name: z.string(),
  runs: z.array(z.number().int()),
  n: z.number().int(),
  mean: GroupFiguresSchema,
  sd: GroupFiguresSchema.nullable(),
  interval: z
    .object({ train: IntervalSchema, val: IntervalSchema, test: IntervalSchema, trainVal: IntervalSchema, trainTest: IntervalSchema })
    .nullable(),
});
export type GroupSummary = z.infer<typeof GroupSummarySchema>;

/** Welch's t-test of two groups' per-seed values of one figure (Holm-corrected across the group pairs of that figure). */
export const GroupTestSchema = z.object({
  a: z.string(),
  b: z.string(),
  metric: z.enum(['accuracy', 'gap']),
  /** Null when neither group varies across its seeds (no noise to scale the difference by). */
  t: z.number().nullable(),
  df: z.number(),
  p: z.number(),
  pHolm: z.number(),
  distinguishable: z.boolean(),
});
export type GroupTest = z.infer<typeof GroupTestSchema>;

export const ComparisonStatisticsSchema = z.object({
  split: HeldOutSplitSchema,
  pairs: z.array(PairTestSchema),
  /** Pairs that could not be tested, with why (different messages, no predictions kept, not finished). */
  unpaired: z.array(z.object({ a: z.number().int(), b: z.number().int(), reason: z.string() })),
  groups: z.array(GroupSummarySchema),
  groupTests: z.array(GroupTestSchema),
  /** The verdicts in plain words, one sentence each. */
  sentences: z.array(z.string()),
});
export type ComparisonStatistics = z.infer<typeof ComparisonStatisticsSchema>;

export const ComparisonSchema = z.object({
  runs: z.array(RunDetailSchema),
  /** Only the config fields whose values differ between the runs, one value per run (in `runs` order). */
  differences: z.array(z.object({ field: z.string(), values: z.array(z.unknown()) })),
  statistics: ComparisonStatisticsSchema,
});
export type Comparison = z.infer<typeof ComparisonSchema>;

export const PredictionSchema = z.object({
  text: z.string(),
  label: z.string(),
  probabilities: z.record(z.string(), z.number()),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** A run's misclassified messages of a split, most confident mistakes first. */
export const RunErrorsSchema = z.object({
  split: EvalSplitSchema,
  /** Messages in the split. */
  count: z.number().int(),
  errors: z.array(
    z.object({
      index: z.number().int(),
      text: z.string(),
      label: z.string(),
      predicted: z.string(),
      /** The predicted class's probability. */
      confidence: z.number(),
    }),
  ),
});
export type RunErrors = z.infer<typeof RunErrorsSchema>;

/** The messages one of two runs gets right and the other wrong (McNemar's two counts). */
export const DisagreementsSchema = z.object({
  split: EvalSplitSchema,
  a: z.number().int(),
  b: z.number().int(),
  count: z.number().int(),
  disagreements: z.array(
    z.object({
      index: z.number().int(),
      text: z.string(),
      label: z.string(),
      a: z.string(),
      b: z.string(),
      aConfidence: z.number(),
      bConfidence: z.number(),
    }),
  ),
});
export type Disagreements = z.infer<typeof DisagreementsSchema>;

/** What `runs export` and the Runs page's Export buttons give: one row per run, or per group of repeats. */
export const RunExportOptionsSchema = z
  .object({
    format: z.enum(['csv', 'json']).default('csv'),
    /** One row per group of finished runs that differ only in the training seed. */
    groups: z.boolean().default(false),
    /** Only these runs (the rows a filtered table shows); all runs when left out. */
    ids: z.array(z.number().int().min(1)).max(100_000).optional(),
  })
  .strict();
export type RunExportOptions = z.input<typeof RunExportOptionsSchema>;
export const RunExportSchema = z.object({ fileName: z.string(), mediaType: z.string(), text: z.string() });
export type RunExport = z.infer<typeof RunExportSchema>;

// ---------------------------------------------------------------------------------------------
// System

export const CachedModelSchema = z.object({ preset: z.string(), path: z.string(), bytes: z.number().int() });

/** Frozen-prefix outputs kept between runs in the data folder (core/train/prefixStore.ts). */
export const PrefixStoreInfoSchema = z.object({
  folder: z.string(),
  entries: z.number().int(),
  bytes: z.number().int(),
  /** Least recently used entries are removed beyond this (default 8 GiB). */
  capBytes: z.number().int(),
});
export type PrefixStoreInfo = z.infer<typeof PrefixStoreInfoSchema>;

export const SystemInfoSchema = z.object({
  appVersion: z.string(),
  platform: z.string(),
  versions: z.object({
    node: z.string(),
    // null outside Electron (serve mode in a browser).
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
  }),
  // The tfjs backend the engine selected; null until the engine has reported one.
  backend: z.string().nullable(),
  /** The forward-only path (`onnx` or `tfjs`); null until known. */
  inference: z.string().nullable(),
  /** ONNX Runtime's device (`cpu` or `cuda`, WORKBENCH_DEVICE); null where it does not load. */
  device: z.string().nullable(),
  /** Why the CPU (or nothing) when CUDA was not asked against; null otherwise. */
  deviceReason: z.string().nullable(),
  threads: z.number().int(),
  gpu: z.boolean(),
  dataFolder: z.string().nullable(),
  modelCache: z.array(CachedModelSchema),
  prefixStore: PrefixStoreInfoSchema,
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

/** A training host's state: what its last heartbeat said, or `offline` when it has been silent too long. */
export const HostStateSchema = z.enum(['idle', 'training', 'stopped', 'offline']);
export type HostState = z.infer<typeof HostStateSchema>;

/** A training host (`workbench worker`) this workbench has heard from. */
export const HostSummarySchema = z.object({
  name: z.string(),
  state: HostStateSchema,
  /** The run it trains now. */
  run: z.number().int().nullable(),
  /** Its last heartbeat (ISO time). */
  lastSeen: z.string(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  /** Its workbench version. */
  version: z.string(),
});
export type HostSummary = z.infer<typeof HostSummarySchema>;

/**
 * The desktop app's listener for training hosts (serve has none of its own: its server is where hosts reach it).
 * `host` and `port` are the setting (port null: the last one, else a free one); `origin` and `token` what hosts
 * use while it listens; `error` why it does not; `warning` when it listens beyond this machine.
 */
export const HostListenerSchema = z.object({
  host: z.string(),
  port: z.number().int().nullable(),
  origin: z.string().nullable(),
  token: z.string().nullable(),
  error: z.string().nullable(),
  warning: z.string().nullable(),
});
export type HostListenerView = z.infer<typeof HostListenerSchema>;

/**
 * Where this workbench sends queued runs for training hosts: a Redis URL (its password shown as `****`, never
 * in full), and whether it trains here too. `source` says what set the URL: `serve --redis`, WORKBENCH_REDIS_URL
 * (both outrank the saved setting), the System page's saved setting, or nothing (everything trains here).
 * `available` is false while nothing listens for hosts (the desktop app before its listener is up): everything
 * trains here. `listener` is the desktop app's.
 */
export const TrainingHostsSchema = z.object({
  redisUrl: z.string().nullable(),
  trainHere: z.boolean(),
  source: z.enum(['flag', 'environment', 'settings']).nullable(),
  available: z.boolean(),
  listener: HostListenerSchema.optional(),
});
export type TrainingHosts = z.infer<typeof TrainingHostsSchema>;

/** The desktop app's listening address for hosts (port null: the last one, else a free one). */
export const ListenAddressSchema = z
  .object({ host: z.string().trim().min(1).max(255), port: z.number().int().min(1).max(65535).nullable() })
  .strict();
export type ListenAddress = z.infer<typeof ListenAddressSchema>;

/**
 * The System page's *Training hosts* setting; a URL whose password is `****` keeps the saved password. `listen`:
 * the desktop app's address for hosts (serve listens where `--host` and `--port` say).
 */
export const TrainingHostsInputSchema = z
  .object({ redisUrl: z.string().trim().max(2000).nullable(), trainHere: z.boolean(), listen: ListenAddressSchema.optional() })
  .strict();
export type TrainingHostsInput = z.infer<typeof TrainingHostsInputSchema>;

// ---------------------------------------------------------------------------------------------
// Events: pushed to the UI (Electron: one IPC channel; serve: server-sent events at /api/events).

export const WorkbenchEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run-progress'), runId: z.number().int(), progress: RunProgressSchema }),
  z.object({ type: z.literal('run-status'), runId: z.number().int(), status: RunStatusSchema, error: z.string().nullable() }),
  z.object({ type: z.literal('run-eval'), runId: z.number().int(), point: EvalPointSchema }),
  z.object({ type: z.literal('run-epoch'), runId: z.number().int(), point: EpochPointSchema }),
  z.object({ type: z.literal('runs-changed') }),
  z.object({ type: z.literal('datasets-changed') }),
  z.object({ type: z.literal('queue'), state: QueueStateSchema }),
  z.object({ type: z.literal('hosts'), hosts: z.array(HostSummarySchema) }),
]);
export type WorkbenchEvent = z.infer<typeof WorkbenchEventSchema>;

// ---------------------------------------------------------------------------------------------

export interface WorkbenchApi {
  getSystemInfo(): Promise<SystemInfo>;
  deleteCachedModel(preset: string): Promise<void>;
  /** Sets the prefix store's size cap (bytes), evicting least recently used entries beyond it now. */
  setPrefixStoreCap(bytes: number): Promise<PrefixStoreInfo>;
  /** Removes every entry of the prefix store (runs then compute their prefixes again). */
  clearPrefixStore(): Promise<PrefixStoreInfo>;
  /** The training hosts heard from, by name. */
  listHosts(): Promise<HostSummary[]>;
  getTrainingHosts(): Promise<TrainingHosts>;
  /** Saves the *Training hosts* setting (a URL from `--redis` or WORKBENCH_REDIS_URL still outranks it). */
  setTrainingHosts(input: TrainingHostsInput): Promise<TrainingHosts>;

  previewDataset(file: DatasetFile, mapping: ColumnMapping): Promise<DatasetPreview>;
  /** All or nothing: refuses (with the first problems by line) when the file has errors, unless `mapping.skipProblemRows`. */
  importDataset(file: DatasetFile, mapping: ColumnMapping, name: string): Promise<DatasetSummary>;
  listDatasets(): Promise<DatasetSummary[]>;
  deleteDataset(id: string): Promise<void>;

  /** The runs a grid would create, with parameters, estimated time and duplicates; creates nothing. */
  planRuns(grid: RunGrid): Promise<PlannedRun[]>;
  /** Queues the grid's runs in order. */
  createRuns(grid: RunGrid): Promise<z.infer<typeof CreatedRunSchema>[]>;
  listRuns(): Promise<RunSummary[]>;
  getRun(id: number): Promise<RunDetail>;
  /** The queued runs' new order (ids of queued runs; any left out keep their relative order after these). */
  reorderQueue(ids: number[]): Promise<QueueState>;
  cancelRun(id: number): Promise<void>;
  /** Queues a failed or cancelled run again (its earlier metrics are cleared; the error is kept in its log). */
  retryRun(id: number): Promise<void>;
  /** Replaces a run's tags (sorted, duplicates dropped). */
  setRunTags(id: number, tags: string[]): Promise<void>;
  setRunNote(id: number, note: string): Promise<void>;
  /** Deletes a run that is not running, with its files. */
  deleteRun(id: number): Promise<void>;
  getQueueState(): Promise<QueueState>;
  setQueuePaused(paused: boolean): Promise<QueueState>;
  /** Runs side by side, with McNemar's test of every pair and group summaries on `split` (default test). */
  compareRuns(ids: number[], split?: HeldOutSplit): Promise<Comparison>;
  /** The runs (or groups) as a CSV or JSON file. */
  exportRuns(options: RunExportOptions): Promise<RunExport>;
  /** Repeats of the same settings summarised per group (finished runs only). */
  listGroups(): Promise<GroupSummary[]>;
  /** A finished run's misclassified messages of a split (default test). */
  getRunErrors(id: number, split?: EvalSplit): Promise<RunErrors>;
  /** Where two finished runs on the same messages disagree in correctness (default split test). */
  getDisagreements(a: number, b: number, split?: EvalSplit): Promise<Disagreements>;

  /** Classifies texts with a finished run's saved classifier. */
  classify(runId: number, texts: string[]): Promise<Prediction[]>;
  /** Loads a finished run's classifier ahead of classify (the tray popup, on open); resolves once it is in memory. */
  loadClassifier(runId: number): Promise<void>;
}

export type ApiMethodName = keyof WorkbenchApi;

/** What the renderer holds: the API plus the event stream (IPC or server-sent events underneath). */
export interface WorkbenchClient extends WorkbenchApi {
  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
}

// Arguments travel as a tuple, exactly as the caller passed them, so one schema checks their
// number as well as their shapes.
type MethodSchemas<M> = M extends (...args: infer A) => Promise<infer R>
  ? { args: z.ZodType<A, unknown>; result: z.ZodType<R, unknown> }
  : never;

const RunId = z.number().int().min(1);
/** A tag: one short word or phrase (no commas, so a CSV cell and the CLI's list read it back). */
export const TagSchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^,\n]+$/, 'a tag has no commas or line breaks');
const Void = z.void();

export const apiMethods: { [K in ApiMethodName]: MethodSchemas<WorkbenchApi[K]> } = {
  getSystemInfo: { args: z.tuple([]), result: SystemInfoSchema },
  deleteCachedModel: { args: z.tuple([z.string().min(1)]), result: Void },
  setPrefixStoreCap: {
    args: z.tuple([
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 50),
    ]),
    result: PrefixStoreInfoSchema,
  },
  clearPrefixStore: { args: z.tuple([]), result: PrefixStoreInfoSchema },
  listHosts: { args: z.tuple([]), result: z.array(HostSummarySchema) },
  getTrainingHosts: { args: z.tuple([]), result: TrainingHostsSchema },
  setTrainingHosts: { args: z.tuple([TrainingHostsInputSchema]), result: TrainingHostsSchema },
  previewDataset: { args: z.tuple([DatasetFileSchema, ColumnMappingSchema]), result: DatasetPreviewSchema },
  importDataset: {
    args: z.tuple([DatasetFileSchema, ColumnMappingSchema, z.string().trim().min(1).max(200)]),
    result: DatasetSummarySchema,
  },
  listDatasets: { args: z.tuple([]), result: z.array(DatasetSummarySchema) },
  deleteDataset: { args: z.tuple([z.string().min(1)]), result: Void },
  planRuns: { args: z.tuple([RunGridSchema]), result: z.array(PlannedRunSchema) },
  createRuns: { args: z.tuple([RunGridSchema]), result: z.array(CreatedRunSchema) },
  listRuns: { args: z.tuple([]), result: z.array(RunSummarySchema) },
  getRun: { args: z.tuple([RunId]), result: RunDetailSchema },
  reorderQueue: { args: z.tuple([z.array(RunId)]), result: QueueStateSchema },
  cancelRun: { args: z.tuple([RunId]), result: Void },
  retryRun: { args: z.tuple([RunId]), result: Void },
  deleteRun: { args: z.tuple([RunId]), result: Void },
  setRunTags: { args: z.tuple([RunId, z.array(TagSchema).max(20)]), result: Void },
  setRunNote: { args: z.tuple([RunId, z.string().max(2000)]), result: Void },
  getQueueState: { args: z.tuple([]), result: QueueStateSchema },
  setQueuePaused: { args: z.tuple([z.boolean()]), result: QueueStateSchema },
  compareRuns: { args: z.tuple([z.array(RunId).min(2).max(20), HeldOutSplitSchema.optional()]), result: ComparisonSchema },
  listGroups: { args: z.tuple([]), result: z.array(GroupSummarySchema) },
  exportRuns: { args: z.tuple([RunExportOptionsSchema]), result: RunExportSchema },
  getRunErrors: { args: z.tuple([RunId, EvalSplitSchema.optional()]), result: RunErrorsSchema },
  getDisagreements: { args: z.tuple([RunId, RunId, EvalSplitSchema.optional()]), result: DisagreementsSchema },
  classify: { args: z.tuple([RunId, z.array(z.string()).min(1).max(1000)]), result: z.array(PredictionSchema) },
  loadClassifier: { args: z.tuple([RunId]), result: Void },
};
