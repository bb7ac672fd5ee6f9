import { createHash } from 'node:crypto';
import { formatTrainable, type Trainable } from '../common/modelSpec.js';
import { splitSeedOf, type RunConfig } from '../common/runConfig.js';

/*
 * A run config as a flat list of fields ("dropout", "model.preset", "trainable"), for naming runs
 * after what differs, config diffs, and the config hash that finds duplicates.
 */

// Fields compared as one value: their parts mean nothing alone.
const ATOMIC = new Set(['trainable', 'model.custom', 'dataset.split', 'earlyStopping']);

export function configFields(config: RunConfig): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, prefix: string) => {
    if (prefix && (ATOMIC.has(prefix) || typeof value !== 'object' || value === null || Array.isArray(value))) {
      out.set(prefix, value);
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) walk(v, prefix ? `${prefix}.${key}` : key);
    }
  };
  walk(config, '');
  return out;
}

/** Fields whose values are not the same in every config, in field order of the first. */
export function differingFields(configs: RunConfig[], ignore: readonly string[] = ['name']): string[] {
  const maps = configs.map(configFields);
  const names = [...new Set(maps.flatMap((m) => [...m.keys()]))];
  return names.filter((f) => !ignore.includes(f) && new Set(maps.map((m) => canonicalJson(m.get(f) ?? null))).size > 1);
}

/** Stable JSON: object keys sorted, undefined dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * A split seed equal to the training seed is the default spelled out: dropped, so both spellings are one config
 * (and runs recorded before the setting existed keep their hashes). So is a dropout scope without dropout, which
 * changes nothing.
 */
export function canonicalConfig(config: RunConfig): RunConfig {
  const { splitSeed, ...rest } = config;
  return {
    ...rest,
    ...(splitSeed !== config.seed && { splitSeed }),
    dropoutScope: config.dropout > 0 ? config.dropoutScope : undefined,
  };
}

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** What makes two runs the same experiment: every field except the name and which data set (its content hash counts instead). */
export function configHash(config: RunConfig): string {
  return sha256({ ...canonicalConfig(config), name: undefined, dataset: { ...config.dataset, source: '' } });
}

/** Runs that differ only in the training seed share this key: repeats of one experiment, on the same messages. */
export function groupKey(config: RunConfig, datasetHash: string): string {
  const identity = {
    ...canonicalConfig(config),
    name: undefined,
    seed: undefined,
    splitSeed: splitSeedOf(config),
    dataset: { ...config.dataset, source: '' },
  };
  return `g${sha256([identity, datasetHash]).slice(0, 10)}`;
}

/** Runs with the same key are evaluated on the same messages, so their predictions pair up example by example. */
export function splitKey(config: RunConfig, datasetHash: string): string {
  const { balance, dedupe, split, stratify } = config.dataset;
  // A stratified cut puts other messages in each split; the book's cut keeps the key it had before the option existed.
  const parts = [datasetHash, balance, dedupe, split, splitSeedOf(config), ...(stratify ? ['stratified'] : [])];
  return `s${sha256(parts).slice(0, 10)}`;
}

const WORDS: Record<string, string> = {
  dropout: 'dropout',
  weightDecay: 'weight decay',
  learningRate: 'lr',
  batchSize: 'batch',
  maxLength: 'max length',
  evalEvery: 'eval every',
  evalBatches: 'eval batches',
  seed: 'seed',
  splitSeed: 'split seed',
  gradClip: 'grad clip',
  'dataset.textColumn': 'text column',
  'dataset.labelColumn': 'label column',
  'dataset.delimiter': 'delimiter',
};

/** A field's value as a short label: "last-2", "dropout 0.1", "custom:2,64,4", "random weights". */
export function fieldLabel(field: string, value: unknown, datasetName: (id: string) => string = (id) => id): string | null {
  switch (field) {
    case 'trainable':
      return formatTrainable(value as Trainable);
    case 'pooling':
      return String(value);
    case 'epochs':
      return `${value} epoch${value === 1 ? '' : 's'}`;
    case 'model.preset':
      // A custom shape is named by model.custom.
      return value === 'custom' ? null : String(value);
    case 'model.custom': {
      // A preset model has no custom shape: its preset names it.
      if (value === null) return null;
      const c = value as NonNullable<RunConfig['model']['custom']>;
      return `custom:${c.nLayer},${c.nEmbd},${c.nHead}${c.nPositions === 1024 ? '' : `,${c.nPositions}`}`;
    }
    case 'model.weights':
      return `${value} weights`;
    case 'model.weightsFile':
      return `weights ${String(value).split(/[\\/]/).pop()}`;
    case 'dataset.source':
      return datasetName(String(value));
    case 'dataset.balance':
      return value ? 'balanced' : 'unbalanced';
    case 'dataset.dedupe':
      return value ? 'deduplicated' : 'with duplicates';
    case 'dataset.header':
      return value ? 'header' : 'no header';
    case 'dataset.quoting':
      return value ? 'quoted' : 'unquoted';
    case 'dataset.stratify':
      return value ? 'stratified split' : "the book's split";
    case 'dataset.split': {
      const s = value as RunConfig['dataset']['split'];
      return `split ${s.train}/${s.val}/${s.test}`;
    }
    case 'earlyStopping': {
      const e = value as RunConfig['earlyStopping'];
      return e ? `early stopping ${e.patience}${e.minDelta ? `,${e.minDelta}` : ''}` : 'no early stopping';
    }
    case 'dropoutScope':
      return value === 'trained' ? 'dropout in trained blocks' : 'dropout in every block';
    case 'name':
      return null;
    default:
      return `${WORDS[field] ?? field} ${value === null ? 'off' : String(value)}`;
  }
}

/** The labels of some fields of a config: ["last-2", "dropout 0.1"] (fields named by another field have none). */
export function fieldLabels(config: RunConfig, fields: string[], datasetName?: (id: string) => string): string[] {
  const values = configFields(config);
  return fields.map((f) => fieldLabel(f, values.get(f) ?? null, datasetName)).filter((l): l is string => l !== null);
}

/** The labels of some fields of a config, joined: "last-2 · dropout 0.1". */
export function describeFields(config: RunConfig, fields: string[], datasetName?: (id: string) => string): string {
  return fieldLabels(config, fields, datasetName).join(' · ');
}
