import { builtinDataset } from '../../common/builtinDatasets.js';
import path from 'node:path';
import { splitSeedOf, type RunConfig } from '../../common/runConfig.js';
import { importDatasetFile, type Dataset } from '../data/dataset.js';
import { loadSmsSpam, type SmsSpamOptions } from '../data/smsSpam.js';
import { splitRows, type Leak, type Splits } from '../data/split.js';
import type { LabeledRow } from '../data/validation.js';
import { backendName } from '../model/backend.js';
import { SequenceClassifier } from '../model/sequenceClassifier.js';
import { fileSha256, saveClassifier, type ModelBase } from '../model/savedClassifier.js';
import { customConfig, PRESETS, type GPT2Config } from '../model/config.js';
import { GPT2 } from '../model/gpt2.js';
import { loadGpt2Checkpoint } from '../model/gpt2Checkpoint.js';
import { ensurePretrained } from '../model/pretrained.js';
import { toExamples, type SplitExamples } from '../data/examples.js';
import { ensureWritableFolder } from '../writableFolder.js';
import { trainClassifier, type LoopOptions, type TrainEvent, type TrainOutcome } from './loop.js';
import { KEEP_NOTHING, PrefixStore, type PrefixStoreOptions, type PrefixStoreUse } from './prefixStore.js';

export type RunEvent =
  | TrainEvent
  | { kind: 'stage'; stage: 'dataset' | 'model' | 'training' | 'saving'; message: string }
  | { kind: 'download'; file: string; received: number; total?: number };

export interface RunOptions {
  cacheDir?: string;
  /** Save the trained classifier here (loadable by `workbench classify`). */
  outDir?: string;
  checkpointDir?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Where the built-in data set is downloaded from (tests serve it locally). */
  smsSpamUrls?: SmsSpamOptions['urls'];
  /** Keep frozen prefixes here between runs (the service: the data folder's prefix-store); none: computed every run. */
  prefixStore?: PrefixStoreOptions;
}

export interface PreparedData {
  dataset: Dataset;
  examples: SplitExamples;
  padLength: number;
  leaks: Leak[];
}

export interface RunResult {
  backend: string;
  config: RunConfig;
  labels: string[];
  dataset: { contentHash: string; rows: number; split: Record<'train' | 'val' | 'test', number>; leaks: number };
  parameters: { trainable: number; total: number };
  padLength: number;
  outcome: TrainOutcome;
  seconds: number;
  out: string | null;
}

/** The GPT-2 shape a run asks for. */
export function modelShape(config: RunConfig): GPT2Config {
  const m = config.model;
  return m.preset === 'custom' ? customConfig(m.custom!) : PRESETS[m.preset];
}

/** Loads the data set and splits it (seeded by the split seed, the book's cut): the messages of each split, in order. */
export async function loadSplits(
  config: RunConfig,
  options: Pick<RunOptions, 'cacheDir' | 'smsSpamUrls' | 'signal' | 'onEvent'> = {},
): Promise<{ dataset: Dataset; splits: Splits<LabeledRow> }> {
  const d = config.dataset;
  const builtin = builtinDataset(d.source);
  const dataset = builtin
    ? await loadSmsSpam({
        reading: builtin.reading,
        cacheDir: options.cacheDir,
        urls: options.smsSpamUrls,
        signal: options.signal,
        onProgress: (p) => options.onEvent?.({ kind: 'download', file: p.url, received: p.received, total: p.total }),
      })
    : await importDatasetFile(d.source, {
        textColumn: d.textColumn,
        labelColumn: d.labelColumn,
        delimiter: d.delimiter,
        header: d.header,
        quoting: d.quoting,
        encoding: d.encoding,
        excludeInvalid: d.skipProblemRows,
      });
  const splits = splitRows(dataset.rows, {
    seed: splitSeedOf(config),
    balance: d.balance,
    dedupe: d.dedupe,
    fractions: d.split,
    stratify: d.stratify,
  });
  return { dataset, splits };
}

/** Loads the data set, splits it and tokenizes it. */
export async function prepareData(config: RunConfig, contextLength: number, options: RunOptions = {}): Promise<PreparedData> {
  const { dataset, splits } = await loadSplits(config, options);
  const { examples, padLength } = toExamples(splits, dataset.labels, config.maxLength, contextLength);
  return { dataset, examples, padLength, leaks: splits.leaks };
}

/** GPT-2 with pretrained (downloaded or local) or seeded random weights, plus a new head; `weightsFile`: the file read, if any. */
export async function buildClassifier(
  config: RunConfig,
  numClasses: number,
  options: RunOptions = {},
): Promise<{ model: SequenceClassifier; base: ModelBase; weightsFile: string | null }> {
  const m = config.model;
  let gpt: GPT2;
  let base: ModelBase;
  let weightsFile: string | null = null;
  if (m.weights === 'random') {
    gpt = GPT2.random(modelShape(config), config.seed);
    base = { kind: 'random', seed: config.seed };
  } else if (m.weightsFile) {
    const { config: shape, tensors } = await loadGpt2Checkpoint(m.weightsFile, m.preset === 'custom' ? {} : { config: PRESETS[m.preset] });
    gpt = GPT2.fromTensors(shape, tensors);
    // Recorded so that loading the classifier later can tell when the file there is no longer this one.
    base = { kind: 'file', path: path.resolve(m.weightsFile), sha256: await fileSha256(m.weightsFile) };
    weightsFile = m.weightsFile;
  } else {
    const preset = m.preset as Exclude<typeof m.preset, 'custom'>;
    const files = await ensurePretrained(preset, {
      cacheDir: options.cacheDir,
      signal: options.signal,
      onProgress: (p) => options.onEvent?.({ kind: 'download', file: p.file, received: p.received, total: p.total }),
    });
    gpt = GPT2.fromTensors(files.config, (await loadGpt2Checkpoint(files.weightsPath, { config: files.config })).tensors);
    base = { kind: 'pretrained', preset };
    weightsFile = files.weightsPath;
  }
  const model = new SequenceClassifier(gpt, numClasses, config.pooling, config.seed);
  model.setTrainable(config.trainable);
  return { model, base, weightsFile };
}

/** The prefix store as a run uses it: the weights and the data cut are the run's part of the key. */
export function prefixStoreUse(
  options: PrefixStoreOptions,
  config: RunConfig,
  dataset: Dataset,
  base: ModelBase,
  weightsFile: string | null,
): PrefixStoreUse {
  const { balance, dedupe, split, stratify } = config.dataset;
  const source = async () => ({
    weights: base.kind === 'file' && base.sha256 ? base.sha256 : weightsFile ? await fileSha256(weightsFile) : `random:${config.seed}`,
    data: {
      contentHash: dataset.contentHash,
      balance,
      dedupe,
      split,
      stratify,
      splitSeed: splitSeedOf(config),
      maxLength: config.maxLength,
    },
  });
  let sourced: ReturnType<typeof source> | undefined;
  return {
    store: new PrefixStore(options),
    keep: options.keep ?? KEEP_NOTHING,
    // Worked out once: a run looks up several depths and trails, and hashing a weights file takes a while.
    source: () => (sourced ??= source()),
  };
}

/** A whole run: data, model, training, final evaluation, and the saved classifier. */
export async function runTraining(config: RunConfig, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  if (options.outDir) await ensureWritableFolder(options.outDir, 'the output folder');
  if (options.checkpointDir) await ensureWritableFolder(options.checkpointDir, 'the checkpoint folder');
  emit({ kind: 'stage', stage: 'dataset', message: `loading data set ${config.dataset.source}` });
  const data = await prepareData(config, modelShape(config).nPositions, options);
  emit({ kind: 'stage', stage: 'model', message: `building ${config.model.preset} (${config.model.weights} weights)` });
  const { model, base, weightsFile } = await buildClassifier(config, data.dataset.labels.length, options);
  try {
    emit({ kind: 'stage', stage: 'training', message: `training ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}` });
    const loopOptions: LoopOptions = {
      onEvent: emit,
      signal: options.signal,
      checkpointDir: options.checkpointDir,
      prefixStore: options.prefixStore && prefixStoreUse(options.prefixStore, config, data.dataset, base, weightsFile),
    };
    const outcome = await trainClassifier(model, config, data, loopOptions);
    if (options.outDir) {
      emit({ kind: 'stage', stage: 'saving', message: `saving the classifier to ${options.outDir}` });
      await saveClassifier(options.outDir, model, { base, labels: data.dataset.labels, maxLength: data.padLength });
    }
    return {
      backend: backendName(),
      config,
      labels: data.dataset.labels,
      dataset: {
        contentHash: data.dataset.contentHash,
        rows: data.dataset.rows.length,
        split: { train: data.examples.train.length, val: data.examples.val.length, test: data.examples.test.length },
        leaks: data.leaks.length,
      },
      parameters: model.parameterCounts(),
      padLength: data.padLength,
      outcome,
      seconds: (performance.now() - started) / 1000,
      out: options.outDir ?? null,
    };
  } finally {
    model.dispose();
  }
}
