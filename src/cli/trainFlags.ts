import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { ZodError } from 'zod';
import { BUILTIN_DATASETS_TEXT, DEFAULT_DATASET, EXACT_DATASET } from '../common/builtinDatasets.js';
import { parseTrainable, PRESET_NAMES } from '../common/modelSpec.js';
import { DROPOUT_SCOPES, parseRunConfig, type RunConfig } from '../common/runConfig.js';
import { TextEncodingSchema } from '../common/textEncoding.js';
import { WorkbenchError } from '../core/errors.js';

/** `workbench train` flags that set RunConfig fields (the command adds --config, --out, --checkpoint-dir, --json). */
export const RUN_CONFIG_FLAGS = {
  dataset: { type: 'string' },
  'text-column': { type: 'string' },
  'label-column': { type: 'string' },
  delimiter: { type: 'string' },
  encoding: { type: 'string' },
  'skip-problem-rows': { type: 'boolean' },
  'no-balance': { type: 'boolean' },
  dedupe: { type: 'boolean' },
  stratify: { type: 'boolean' },
  split: { type: 'string' },
  model: { type: 'string' },
  weights: { type: 'string' },
  'weights-file': { type: 'string' },
  trainable: { type: 'string' },
  pooling: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  dropout: { type: 'string' },
  'dropout-scope': { type: 'string' },
  'max-length': { type: 'string' },
  'eval-every': { type: 'string' },
  'eval-batches': { type: 'string' },
  seed: { type: 'string' },
  'split-seed': { type: 'string' },
  'early-stopping': { type: 'string' },
  'grad-clip': { type: 'string' },
  name: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export type RunConfigFlags = {
  [K in keyof typeof RUN_CONFIG_FLAGS]?: (typeof RUN_CONFIG_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

export const RUN_CONFIG_FLAGS_HELP = `  --config FILE               a run config JSON file; flags override its values
  --dataset D                 ${DEFAULT_DATASET} (default: the built-in SMS Spam Collection
                              ${BUILTIN_DATASETS_TEXT.book}: the book's exact split),
                              ${EXACT_DATASET.id} (${BUILTIN_DATASETS_TEXT.exact}), or a CSV/TSV file
  --text-column C             text column of FILE: header name or 0-based index (default: detected)
  --label-column C            label column of FILE (default: detected)
  --delimiter D               delimiter of FILE: one character or "tab" (default: detected)
  --encoding E                encoding of FILE: utf-8, utf-8-bom, windows-1252, latin-1 (default:
                              detected: UTF-8 when valid, else Windows-1252, else Latin-1)
  --skip-problem-rows         leave out FILE's rows with errors (default: refuse the file)
  --no-balance                keep the class sizes (default: undersample every class to the smallest)
  --dedupe                    drop repeated texts before splitting
  --stratify                  cut each class by the split fractions, so every split has its share
                              (default: the book's cut of the shuffled rows)
  --split TRAIN,VAL,TEST      split fractions (default 0.7,0.1,0.2)
  --model M                   gpt2-small (default), gpt2-medium, gpt2-large, gpt2-xl,
                              or custom:LAYERS,EMBD,HEADS[,POSITIONS]
  --weights pretrained|random pretrained (default; downloaded once) or seeded random weights
  --weights-file F            a local GPT-2 .safetensors file instead of the download
  --trainable T               head, head+norm, last-N (default last-1), all, lora:RANK,ALPHA
                              (adapters on every block), lora:RANK,ALPHA,last-N (on the last N
                              blocks only: the blocks below are a cached frozen prefix)
  --pooling P                 last-position (default), last-token, mean
  --epochs N                  default 5
  --batch-size N              default 8
  --lr X                      AdamW learning rate, default 5e-5
  --weight-decay X            default 0.1
  --dropout X                 default 0
  --dropout-scope all|trained where dropout acts: all (default, the book's model.train(): the frozen
                              blocks drop too and run at every step) or trained (only the trained
                              blocks drop; the frozen blocks run once and are reused)
  --max-length L              padding length: longest (default), context, or N tokens
  --eval-every N              evaluate every N steps (default 50)
  --eval-batches N            on N batches of train and val (default 5)
  --seed N                    the training seed: head init, shuffling, dropout (default 123)
  --split-seed N              the seed of balancing and the split (default: the training seed)
  --early-stopping P[,D]      stop after P epochs without a validation-loss gain of more than D; off (default)
  --grad-clip X               clip the global gradient norm to X; off (default)
  --name S                    a name for the run`;

/** The --config file (if any) with the flags laid over it, validated: defaults fill what neither gives. */
export async function runConfigFrom(configFile: string | undefined, flags: RunConfigFlags): Promise<RunConfig> {
  const base = configFile ? await readConfigFile(configFile) : {};
  const parsed = parseRunConfig(merge(base, overridesFrom(flags)));
  if (!parsed.ok)
    throw new WorkbenchError(`train: invalid run config${configFile ? ` (${configFile} with the flags)` : ''}: ${parsed.error}`);
  return parsed.config;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new WorkbenchError(`train: cannot read --config ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new WorkbenchError(`train: --config ${file} must hold a JSON object`);
  return json as Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** The RunConfig fields the flags set, as a partial config; values are checked for form here and for range by the schema. */
export function overridesFrom(f: RunConfigFlags): Json {
  const dataset: Json = {};
  const model: Json = {};
  const out: Json = {};
  if (f.dataset !== undefined) dataset.source = f.dataset;
  if (f['text-column'] !== undefined) dataset.textColumn = f['text-column'];
  if (f['label-column'] !== undefined) dataset.labelColumn = f['label-column'];
  if (f.delimiter !== undefined) dataset.delimiter = f.delimiter === 'tab' ? '\t' : f.delimiter;
  if (f.encoding !== undefined) dataset.encoding = oneOf('--encoding', f.encoding, [...TextEncodingSchema.options]);
  if (f['skip-problem-rows']) dataset.skipProblemRows = true;
  if (f['no-balance']) dataset.balance = false;
  if (f.dedupe) dataset.dedupe = true;
  if (f.stratify) dataset.stratify = true;
  if (f.split !== undefined) {
    const [train, val, test, ...rest] = numberList('--split', f.split);
    if (test === undefined || rest.length > 0)
      throw new WorkbenchError(`train: --split takes three fractions TRAIN,VAL,TEST, got "${f.split}"`);
    dataset.split = { train, val, test };
  }
  if (f.model !== undefined) Object.assign(model, modelFlag(f.model));
  if (f.weights !== undefined) model.weights = oneOf('--weights', f.weights, ['pretrained', 'random']);
  if (f['weights-file'] !== undefined) {
    if (f.weights === 'random') throw new WorkbenchError('train: --weights-file needs --weights pretrained, not random');
    model.weightsFile = f['weights-file'];
    model.weights = 'pretrained';
  }
  if (f.trainable !== undefined) {
    try {
      out.trainable = parseTrainable(f.trainable);
    } catch (err) {
      // zod's message is the issues as multi-line JSON; the first issue says enough.
      const reason = err instanceof ZodError ? `trainable "${f.trainable}": ${err.issues[0].message}` : (err as Error).message;
      throw new WorkbenchError(`train: --trainable: ${reason}`);
    }
  }
  if (f.pooling !== undefined) out.pooling = oneOf('--pooling', f.pooling, ['last-position', 'last-token', 'mean']);
  if (f.epochs !== undefined) out.epochs = integer('--epochs', f.epochs);
  if (f['batch-size'] !== undefined) out.batchSize = integer('--batch-size', f['batch-size']);
  if (f.lr !== undefined) out.learningRate = number('--lr', f.lr);
  if (f['weight-decay'] !== undefined) out.weightDecay = number('--weight-decay', f['weight-decay']);
  if (f.dropout !== undefined) out.dropout = number('--dropout', f.dropout);
  if (f['dropout-scope'] !== undefined) out.dropoutScope = oneOf('--dropout-scope', f['dropout-scope'], [...DROPOUT_SCOPES]);
  if (f['max-length'] !== undefined) {
    const m = f['max-length'];
    out.maxLength = m === 'longest' || m === 'context' ? m : integer('--max-length (longest, context or a number)', m);
  }
  if (f['eval-every'] !== undefined) out.evalEvery = integer('--eval-every', f['eval-every']);
  if (f['eval-batches'] !== undefined) out.evalBatches = integer('--eval-batches', f['eval-batches']);
  if (f.seed !== undefined) out.seed = integer('--seed', f.seed);
  if (f['split-seed'] !== undefined) out.splitSeed = integer('--split-seed', f['split-seed']);
  if (f['early-stopping'] !== undefined) out.earlyStopping = earlyStoppingFlag(f['early-stopping']);
  if (f['grad-clip'] !== undefined) out.gradClip = f['grad-clip'] === 'off' ? null : number('--grad-clip', f['grad-clip']);
  if (f.name !== undefined) out.name = f.name;
  if (Object.keys(dataset).length > 0) out.dataset = dataset;
  if (Object.keys(model).length > 0) out.model = model;
  return out;
}

function modelFlag(text: string): Json {
  if ((PRESET_NAMES as readonly string[]).includes(text)) return { preset: text, custom: undefined };
  const custom = /^custom:(.*)$/.exec(text);
  if (custom) {
    const [nLayer, nEmbd, nHead, nPositions, ...rest] = numberList('--model custom:', custom[1]);
    if (nHead === undefined || rest.length > 0 || ![nLayer, nEmbd, nHead, nPositions ?? 1].every(Number.isInteger)) {
      throw new WorkbenchError(`train: --model custom: takes whole numbers LAYERS,EMBD,HEADS[,POSITIONS], got "${text}"`);
    }
    return { preset: 'custom', custom: nPositions === undefined ? { nLayer, nEmbd, nHead } : { nLayer, nEmbd, nHead, nPositions } };
  }
  throw new WorkbenchError(
    `train: --model must be one of ${PRESET_NAMES.join(', ')} or custom:LAYERS,EMBD,HEADS[,POSITIONS], got "${text}"`,
  );
}

function earlyStoppingFlag(text: string): Json | null {
  if (text === 'off') return null;
  const [patience, minDelta, ...rest] = numberList('--early-stopping', text);
  if (rest.length > 0 || !Number.isInteger(patience))
    throw new WorkbenchError(`train: --early-stopping takes PATIENCE[,MIN_DELTA] or off, got "${text}"`);
  return minDelta === undefined ? { patience } : { patience, minDelta };
}

function oneOf(flag: string, value: string, choices: string[]): string {
  if (!choices.includes(value)) throw new WorkbenchError(`train: ${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  return value;
}

function number(flag: string, text: string): number {
  // Number('') is 0 and Number('0x1f') is 31: only decimal or exponent notation counts.
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new WorkbenchError(`train: ${flag} takes a number, got "${text}"`);
  return n;
}

function integer(flag: string, text: string): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new WorkbenchError(`train: ${flag} takes a whole number, got "${text}"`);
  return n;
}

function numberList(flag: string, text: string): number[] {
  return text.split(',').map((part) => number(flag, part));
}

/**
 * The flags over the file: `dataset` and `model` field by field, everything else whole (a --trainable
 * flag replaces the file's trainable object rather than mixing into it). An explicit undefined removes a field.
 */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const fieldwise = key === 'dataset' || key === 'model';
    out[key] = fieldwise ? withoutUndefined({ ...(isPlainObject(base[key]) ? base[key] : {}), ...(value as Json) }) : value;
  }
  return out;
}

function withoutUndefined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
