import { RunGridSchema, type RunGrid } from '../../common/api.js';
import { BUILTIN_DATASETS_TEXT } from '../../common/builtinDatasets.js';
import { parseTrainable, PoolingSchema, PRESET_NAMES } from '../../common/modelSpec.js';
import {
  CustomShapeSchema,
  DatasetConfigSchema,
  DROPOUT_SCOPES,
  dropoutScopeOf,
  EarlyStoppingSchema,
  PadLengthSchema,
  parseNumberField,
  RunConfigSchema,
  type RunConfig,
} from '../../common/runConfig.js';
import { formatValue } from './format.js';

/*
 * The run builder's fields: one per RunConfig knob, each written as text so any of them can also
 * vary over a comma list of values. `format` turns a config into the field's text (the defaults
 * and duplicate-and-edit), `parse` turns one value of it back into what the grid sends.
 */

export type FieldInput = 'text' | 'number' | 'select' | 'checkbox';

export interface FieldDef {
  /** The config path the service's grid understands ("dropout", "model.preset"). */
  path: string;
  label: string;
  /** One line on what the knob does and what the book chose or found. */
  help: string;
  input: FieldInput;
  /** Fixed choices of a select; the data set's come from the service. */
  options?: readonly string[];
  section: 'Data' | 'Model' | 'Training' | 'Evaluation';
  format(config: RunConfig): string;
  parse(text: string): unknown;
  /** Left out of the grid when its text is empty (optional settings). */
  optional?: boolean;
  /** Only sent when this says so (e.g. the custom shape only with preset "custom"). */
  appliesWhen?: (values: (path: string) => string[]) => boolean;
  /** How a comma list splits into values, when a value may itself hold a comma (lora:8,16). */
  listPattern?: RegExp;
  /** Whether the field may vary (the run's name may not). */
  varies?: boolean;
  /** A parsed value in the field's one spelling, when it reads others too (the custom shape reads "2/64/4"). */
  show?: (value: never) => string;
}

const config = RunConfigSchema.shape;
const shape = CustomShapeSchema.shape;
/** A number field whose limits are the config schema's. */
const numberIn = (schema: Parameters<typeof parseNumberField>[1]) => (text: string) => parseNumberField(text, schema);

function choice(options: readonly string[]) {
  return (text: string): string => {
    if (!options.includes(text)) throw new Error(`"${text}" is not one of ${options.join(', ')}`);
    return text;
  };
}

function yesNo(text: string): boolean {
  if (text === 'yes' || text === 'true') return true;
  if (text === 'no' || text === 'false') return false;
  throw new Error(`"${text}" is not yes or no`);
}

const offOr =
  <T>(parse: (text: string) => T) =>
  (text: string): T | null =>
    text === 'off' || text === '' ? null : parse(text);

type CustomShape = { nLayer: number; nEmbd: number; nHead: number; nPositions?: number };

/**
 * "custom:2,64,4" (the spelling of run names and the CLI's --model), or "2,64,4" or "2/64/4" → the custom
 * model's layers, embedding width and heads, and a fourth number for the context length.
 */
function parseShape(text: string): CustomShape {
  const parts = text
    .replace(/^\s*custom:/, '')
    .split(/[,/]/)
    .map((p) => p.trim());
  if (parts.length !== 3 && parts.length !== 4) throw new Error(`"${text}" is not custom:LAYERS,WIDTH,HEADS, e.g. custom:2,64,4`);
  const [nLayer, nEmbd, nHead, nPositions] = parts.map((p, i) =>
    parseNumberField(p, [shape.nLayer, shape.nEmbd, shape.nHead, shape.nPositions][i]),
  );
  if (nEmbd % nHead !== 0) throw new Error(`width ${nEmbd} does not divide into ${nHead} heads`);
  return nPositions === undefined ? { nLayer, nEmbd, nHead } : { nLayer, nEmbd, nHead, nPositions };
}

/** The one spelling of a custom shape: "custom:2,64,4", the context length only when it is not the default 1024. */
function showShape(shape: CustomShape): string {
  const positions = shape.nPositions === undefined || shape.nPositions === 1024 ? '' : `,${shape.nPositions}`;
  return `custom:${shape.nLayer},${shape.nEmbd},${shape.nHead}${positions}`;
}

/** "70/10/20" (percent) or "0.7/0.1/0.2" → the split fractions. */
function parseSplit(text: string) {
  const parts = text.split('/').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new Error(`"${text}" is not train/val/test, e.g. 70/10/20`);
  const scale = parts.reduce((a, b) => a + b, 0) > 1.5 ? 100 : 1;
  const [train, val, test] = parts.map((p) => p / scale);
  if (!DatasetConfigSchema.shape.split.safeParse({ train, val, test }).success)
    throw new Error(`"${text}" is not three shares from 0 that add up to 100%`);
  return { train, val, test };
}

const yesNoText = (b: boolean) => (b ? 'yes' : 'no');
const pct = (f: number) => String(Math.round(f * 1000) / 10);

export const FIELDS: readonly FieldDef[] = [
  {
    path: 'name',
    label: 'Name',
    help: 'Optional; runs of a grid are named after what differs between them.',
    input: 'text',
    section: 'Data',
    optional: true,
    varies: false,
    format: (c) => c.name ?? '',
    parse: (t) => t,
  },
  {
    path: 'dataset.source',
    label: 'Data set',
    help: `The built-in SMS Spam Collection ${BUILTIN_DATASETS_TEXT.book}, ${BUILTIN_DATASETS_TEXT.exact}, or one you imported.`,
    input: 'select',
    section: 'Data',
    format: (c) => c.dataset.source,
    parse: (t) => {
      if (!t) throw new Error('pick a data set');
      return t;
    },
  },
  {
    path: 'dataset.balance',
    label: 'Balance classes',
    help: 'Undersample every class to the smallest; the book keeps all 747 spam and samples 747 ham.',
    input: 'select',
    options: ['yes', 'no'],
    section: 'Data',
    format: (c) => yesNoText(c.dataset.balance),
    parse: yesNo,
  },
  {
    path: 'dataset.dedupe',
    label: 'Drop duplicate texts',
    help: 'Remove repeated messages before splitting so none can land in two splits (the book keeps them).',
    input: 'select',
    options: ['yes', 'no'],
    section: 'Data',
    format: (c) => yesNoText(c.dataset.dedupe),
    parse: yesNo,
  },
  {
    path: 'dataset.split',
    label: 'Split (train/val/test %)',
    help: 'How the rows divide after balancing; the book uses 70/10/20.',
    input: 'text',
    section: 'Data',
    format: (c) => [c.dataset.split.train, c.dataset.split.val, c.dataset.split.test].map(pct).join('/'),
    parse: parseSplit,
  },
  {
    path: 'dataset.stratify',
    label: 'Stratified split',
    help: 'Cut each class by the split fractions, so every split has its share of each class (within one row); off is the book’s cut of the shuffled rows.',
    input: 'checkbox',
    options: ['yes', 'no'],
    section: 'Data',
    format: (c) => yesNoText(c.dataset.stratify === true),
    parse: yesNo,
  },
  {
    path: 'splitSeed',
    label: 'Split seed (default: the seed)',
    help: 'Seeds the balance sample and the split, i.e. which messages train, validate and test; empty: the seed. Repeats keep it, so they are tested on the same messages.',
    input: 'number',
    section: 'Data',
    optional: true,
    format: (c) => (c.splitSeed === undefined ? '' : String(c.splitSeed)),
    parse: numberIn(config.splitSeed),
  },
  {
    path: 'model.preset',
    label: 'Model',
    help: 'GPT-2 small (124M parameters) is the book’s; medium, large and xl are 355M, 774M and 1558M; custom is a small model of your shape.',
    input: 'select',
    options: [...PRESET_NAMES, 'custom'],
    section: 'Model',
    format: (c) => c.model.preset,
    parse: choice([...PRESET_NAMES, 'custom']),
  },
  {
    path: 'model.custom',
    label: 'Custom model',
    help: 'Only for the custom model: custom:LAYERS,WIDTH,HEADS, e.g. custom:2,64,4 is two blocks, 64-wide embeddings, four attention heads (a fourth number sets the context length).',
    input: 'text',
    section: 'Model',
    format: (c) => (c.model.custom ? showShape(c.model.custom) : 'custom:2,64,4'),
    parse: parseShape,
    show: showShape,
    appliesWhen: (values) => values('model.preset').includes('custom'),
    listPattern: /\s*custom:\s*\d+(?:\s*,\s*\d+){2,3}|[^,]+/g,
  },
  {
    path: 'model.weights',
    label: 'Weights',
    help: 'Pretrained: OpenAI’s GPT-2 weights (downloaded once); random: untrained, to see what pretraining is worth.',
    input: 'select',
    options: ['pretrained', 'random'],
    section: 'Model',
    format: (c) => c.model.weights,
    parse: choice(['pretrained', 'random']),
  },
  {
    path: 'model.weightsFile',
    label: 'Weights file',
    help: 'Optional: a local .safetensors file to use instead of the download.',
    input: 'text',
    section: 'Model',
    optional: true,
    format: (c) => c.model.weightsFile ?? '',
    parse: (t) => t,
  },
  {
    path: 'trainable',
    label: 'Trainable',
    help: 'What is unfrozen: head | head+norm | last-N (the last N transformer blocks + final norm + head; the book: last-1, last-2 reached 98.3% test) | all | lora:RANK,ALPHA (adapters on every block) | lora:RANK,ALPHA,last-N (on the last N blocks only, so the blocks below are cached and a step costs like last-N; in a list, no space before last-N).',
    input: 'text',
    section: 'Model',
    format: (c) => formatValue(c.trainable),
    parse: (t) => {
      const short = t.replace(/\s+/g, '');
      parseTrainable(short);
      return short;
    },
    // ",last-N" right after a lora value (no space) is part of it; after ", " it is a value of its own.
    listPattern: /\s*lora:\s*\d+\s*,\s*[\d.]+(?:,last-\d+)?|[^,]+/g,
  },
  {
    path: 'pooling',
    label: 'Pooling',
    help: 'Which position classifies: last-position (the book’s, may be padding), last-token (the last real token; the book’s follow-up found 98.3% test) or mean.',
    input: 'select',
    options: PoolingSchema.options,
    section: 'Model',
    format: (c) => c.pooling,
    parse: choice(PoolingSchema.options),
  },
  {
    path: 'dropout',
    label: 'Dropout',
    help: 'Drop rate in attention and MLP while training; the book fine-tunes with 0.',
    input: 'number',
    section: 'Model',
    format: (c) => String(c.dropout),
    parse: numberIn(config.dropout),
  },
  {
    path: 'dropoutScope',
    label: 'Dropout in',
    help: 'all: every block drops, frozen ones too, as the book’s model.train() (the frozen blocks then run at every step); trained: only the trained blocks drop, so the frozen blocks run once and are reused.',
    input: 'select',
    options: DROPOUT_SCOPES,
    section: 'Model',
    format: (c) => dropoutScopeOf(c),
    parse: choice(DROPOUT_SCOPES),
    appliesWhen: (values) => values('dropout').some((v) => Number(v) > 0),
  },
  {
    path: 'weightDecay',
    label: 'Weight decay',
    help: 'AdamW’s decoupled decay that pulls weights toward zero each step; the book uses 0.1.',
    input: 'number',
    section: 'Training',
    format: (c) => String(c.weightDecay),
    parse: numberIn(config.weightDecay),
  },
  {
    path: 'learningRate',
    label: 'Learning rate',
    help: 'AdamW’s step size; the book uses 5e-5.',
    input: 'text',
    section: 'Training',
    format: (c) => String(c.learningRate),
    parse: numberIn(config.learningRate),
  },
  {
    path: 'epochs',
    label: 'Epochs',
    help: 'Passes over the training split; the book trains 5.',
    input: 'number',
    section: 'Training',
    format: (c) => String(c.epochs),
    parse: numberIn(config.epochs),
  },
  {
    path: 'batchSize',
    label: 'Batch size',
    help: 'Messages per step; the book uses 8.',
    input: 'number',
    section: 'Training',
    format: (c) => String(c.batchSize),
    parse: numberIn(config.batchSize),
  },
  {
    path: 'maxLength',
    label: 'Pad to',
    help: 'longest: the longest training message (the book: 120 tokens); context: the model’s context length; or a number of tokens.',
    input: 'text',
    section: 'Training',
    format: (c) => String(c.maxLength),
    parse: (t) => (t === 'longest' || t === 'context' ? t : parseNumberField(t, PadLengthSchema)),
  },
  {
    path: 'seed',
    label: 'Seed',
    help: 'Seeds the head’s initial weights (and random weights), the shuffling and dropout, and the split unless a split seed is given; the book uses 123.',
    input: 'number',
    section: 'Training',
    format: (c) => String(c.seed),
    parse: numberIn(config.seed),
  },
  {
    path: 'earlyStopping',
    label: 'Early stopping (patience)',
    help: 'off, or stop after N epochs without a better validation loss (keeps the best epoch’s weights); the book trains all epochs.',
    input: 'text',
    section: 'Training',
    format: (c) => (c.earlyStopping ? String(c.earlyStopping.patience) : 'off'),
    parse: offOr((t) => ({ patience: parseNumberField(t, EarlyStoppingSchema.shape.patience) })),
  },
  {
    path: 'gradClip',
    label: 'Gradient clipping',
    help: 'off, or clip the global gradient norm to this value; the book does not clip.',
    input: 'text',
    section: 'Training',
    format: (c) => (c.gradClip === null ? 'off' : String(c.gradClip)),
    parse: offOr(numberIn(config.gradClip)),
  },
  {
    path: 'evalEvery',
    label: 'Evaluate every (steps)',
    help: 'How often the loss curves get a point; the book: every 50 steps.',
    input: 'number',
    section: 'Evaluation',
    format: (c) => String(c.evalEvery),
    parse: numberIn(config.evalEvery),
  },
  {
    path: 'evalBatches',
    label: 'Batches per evaluation',
    help: 'How many batches each curve point averages over; the book: 5.',
    input: 'number',
    section: 'Evaluation',
    format: (c) => String(c.evalBatches),
    parse: numberIn(config.evalBatches),
  },
];

/** One field's state in the form: its single value, or the comma list it varies over. */
export interface FieldState {
  value: string;
  vary: boolean;
  list: string;
}

export type FormState = Record<string, FieldState>;

/** The form filled from a config: the book's recipe by default, a run's config for duplicate-and-edit. */
export function formFromConfig(config: RunConfig): FormState {
  return Object.fromEntries(FIELDS.map((f) => [f.path, { value: f.format(config), vary: false, list: f.format(config) }]));
}

/**
 * A field's text in its one spelling ("2/64/4" → "custom:2,64,4"), each value of a list; the text as typed when
 * a value does not parse (the field then says why).
 */
export function canonicalText(path: string, text: string, vary: boolean): string {
  const field = FIELDS.find((f) => f.path === path);
  if (!field?.show) return text;
  const show = field.show as (value: unknown) => string;
  try {
    return vary
      ? splitList(text, field.listPattern)
          .map((t) => show(field.parse(t)))
          .join(', ')
      : show(field.parse(text.trim()));
  } catch {
    return text;
  }
}

/** A comma list's values, trimmed, without empties. */
export function splitList(text: string, pattern?: RegExp): string[] {
  const parts = pattern ? (text.match(pattern) ?? []) : text.split(',');
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

// The grid's base is a config object (nested); only `vary` is keyed by field path.
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}

/** A field's values as text: its comma list when it varies, else its one value. */
export function fieldTexts(form: FormState, path: string): string[] {
  const state = form[path];
  const field = FIELDS.find((f) => f.path === path);
  if (!state || !field) return [];
  return state.vary && field.varies !== false ? splitList(state.list, field.listPattern) : [state.value.trim()];
}

export type GridResult =
  { ok: true; grid: RunGrid; runs: number; cells: number; repeats: number } | { ok: false; errors: Record<string, string> };

/**
 * The grid the form describes, with `repeats` copies of every cell (differing only in the training seed),
 * or the problem with each field that has one (`repeats` under its own name).
 */
export function buildGrid(form: FormState, repeatsText = '1'): GridResult {
  const textsOf = (path: string) => fieldTexts(form, path);
  const base: Record<string, unknown> = {};
  const vary: Record<string, unknown[]> = {};
  const errors: Record<string, string> = {};
  for (const field of FIELDS) {
    if (field.appliesWhen && !field.appliesWhen(textsOf)) continue;
    const texts = textsOf(field.path);
    if (field.optional && texts.every((t) => t === '')) continue;
    if (texts.length === 0) {
      errors[field.path] = 'give at least one value';
      continue;
    }
    try {
      const values = texts.map((t) => field.parse(t));
      if (form[field.path]?.vary && field.varies !== false && values.length > 1) vary[field.path] = values;
      else setPath(base, field.path, values[0]);
    } catch (err) {
      errors[field.path] = err instanceof Error ? err.message : String(err);
    }
  }
  let repeats = 1;
  try {
    repeats = parseNumberField(repeatsText.trim(), RunGridSchema.shape.repeats);
  } catch (err) {
    errors['repeats'] = err instanceof Error ? err.message : String(err);
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const cells = Object.values(vary).reduce((n, values) => n * values.length, 1);
  return { ok: true, grid: { base, vary, repeats }, runs: cells * repeats, cells, repeats };
}
