import { z } from 'zod';
import { DEFAULT_DATASET } from './builtinDatasets.js';
import { BOOK_TRAINABLE, PoolingSchema, PRESET_NAMES, TrainableSchema } from './modelSpec.js';
import { TextEncodingSchema } from './textEncoding.js';

/*
 * One training run's settings. The defaults are the book's chapter 6 recipe; every field is a
 * knob the workbench can vary between runs.
 */

const Fraction = z.number().min(0).max(1);

export const DatasetConfigSchema = z
  .object({
    /** A built-in data set (see builtinDatasets.ts), an imported one's id, or (command line) a CSV/TSV file path. */
    source: z.string().min(1).default(DEFAULT_DATASET),
    textColumn: z.union([z.string(), z.number().int().min(0)]).optional(),
    labelColumn: z.union([z.string(), z.number().int().min(0)]).optional(),
    delimiter: z.string().length(1).optional(),
    /** Whether the file's first line is a header, and whether fields may be quoted (default: detected). */
    header: z.boolean().optional(),
    quoting: z.boolean().optional(),
    /** The file's encoding (default: detected: UTF-8, else Windows-1252, else Latin-1). */
    encoding: TextEncodingSchema.optional(),
    /** Leave out the rows with errors instead of refusing the file (default: refuse). */
    skipProblemRows: z.boolean().optional(),
    /** Undersample every class to the smallest (the book balances 747 spam / 747 ham). */
    balance: z.boolean().default(true),
    /** Drop repeated texts before splitting so none can occur in two splits. */
    dedupe: z.boolean().default(false),
    split: z
      .object({ train: Fraction, val: Fraction, test: Fraction })
      .refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-9, 'split fractions must add up to 1')
      .default({ train: 0.7, val: 0.1, test: 0.2 }),
    /**
     * Cut each class by the split fractions, so every split has each class's share within one row
     * (core/data/split.ts stratifiedCut). Off is the book's cut, and is left out (false reads as unset)
     * so that configs recorded before the setting existed keep their hashes, names and checkpoints.
     */
    stratify: z
      .boolean()
      .optional()
      .transform((on) => (on ? true : undefined)),
  })
  .strict();

/** A custom GPT-2 shape: layers, embedding width, heads and context length. */
export const CustomShapeSchema = z
  .object({
    nLayer: z.number().int().min(1),
    nEmbd: z.number().int().min(1),
    nHead: z.number().int().min(1),
    nPositions: z.number().int().min(1).default(1024),
  })
  .strict();

export const ModelConfigSchema = z
  .object({
    preset: z.enum([...PRESET_NAMES, 'custom']).default('gpt2-small'),
    /** Required with preset `custom`. */
    custom: CustomShapeSchema.optional(),
    weights: z.enum(['pretrained', 'random']).default('pretrained'),
    /** A local .safetensors file to use instead of the download (weights `pretrained`). */
    weightsFile: z.string().optional(),
  })
  .strict()
  .refine((m) => m.preset !== 'custom' || m.custom !== undefined, 'model preset "custom" needs custom: {nLayer, nEmbd, nHead}')
  .refine(
    (m) => m.preset !== 'custom' || m.weights === 'random' || m.weightsFile !== undefined,
    'a custom model with pretrained weights needs weightsFile',
  );

/** Where dropout acts: every block, frozen ones too (the book's model.train()), or only the trained blocks. */
export const DROPOUT_SCOPES = ['all', 'trained'] as const;
export type DropoutScope = (typeof DROPOUT_SCOPES)[number];

/** A fixed padding length. */
export const PadLengthSchema = z.number().int().min(1);
export const MaxLengthSchema = z.union([z.literal('longest'), z.literal('context'), PadLengthSchema]);

export const EarlyStoppingSchema = z.object({ patience: z.number().int().min(1), minDelta: z.number().min(0).default(0) }).strict();

export const RunConfigSchema = z
  .object({
    name: z.string().optional(),
    dataset: DatasetConfigSchema.default(DatasetConfigSchema.parse({})),
    model: ModelConfigSchema.default(ModelConfigSchema.parse({})),
    trainable: TrainableSchema.default(BOOK_TRAINABLE),
    pooling: PoolingSchema.default('last-position'),
    dropout: z.number().min(0).max(0.9).default(0),
    /**
     * With dropout: `all` (the book's model.train(): the frozen blocks drop too, so their output changes every step)
     * or `trained` (only the trained blocks drop; the frozen prefix stays fixed and is computed once). `all` is left
     * out (reads as unset) so that configs recorded before the setting existed keep their hashes, names and checkpoints.
     */
    dropoutScope: z
      .enum(DROPOUT_SCOPES)
      .optional()
      .transform((scope) => (scope === 'trained' ? scope : undefined)),
    weightDecay: z.number().min(0).default(0.1),
    learningRate: z.number().positive().default(5e-5),
    epochs: z.number().int().min(1).default(5),
    batchSize: z.number().int().min(1).default(8),
    /** Padding length: the longest training text (the book: 120), a fixed length, or the context length. */
    maxLength: MaxLengthSchema.default('longest'),
    evalEvery: z.number().int().min(1).default(50),
    evalBatches: z.number().int().min(1).default(5),
    /** The training seed: head initialisation (and random weights), shuffling, dropout masks. */
    seed: z.number().int().min(0).default(123),
    /** Seeds balancing and the split; default the training seed (the book's split for 123). Repeats keep it fixed. */
    splitSeed: z.number().int().min(0).optional(),
    /** Stop when the validation loss has not improved for `patience` epochs. */
    earlyStopping: EarlyStoppingSchema.nullable().default(null),
    /** Clip the global gradient norm to this value. */
    gradClip: z.number().positive().nullable().default(null),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type MaxLength = z.infer<typeof MaxLengthSchema>;

/** The seed that decides which messages land in which split. */
export function splitSeedOf(config: Pick<RunConfig, 'seed' | 'splitSeed'>): number {
  return config.splitSeed ?? config.seed;
}

/** A run's dropout: its rate and where it acts (a config, or a test's spelled-out scope). */
export interface DropoutSettings {
  dropout: number;
  dropoutScope?: DropoutScope;
}

export function dropoutScopeOf(config: Pick<DropoutSettings, 'dropoutScope'>): DropoutScope {
  return config.dropoutScope ?? 'all';
}

/** The book's recipe. */
export const BOOK_RUN_CONFIG: RunConfig = RunConfigSchema.parse({});

/** Parses a run config, reporting the first problem with its path ("model.custom.nLayer: …"). */
export function parseRunConfig(input: unknown): { ok: true; config: RunConfig } | { ok: false; error: string } {
  const r = RunConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  const issue = r.error.issues[0];
  return { ok: false, error: `${issue.path.length ? issue.path.join('.') : 'config'}: ${issue.message}` };
}

/**
 * `text` as a number that `schema` accepts (a number field of this file's schemas, whose limits are then
 * the only copy of them), or an Error saying why not in one line.
 */
export function parseNumberField(text: string, schema: z.ZodType): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`"${text}" is not a number`);
  const result = schema.safeParse(value);
  if (result.success) return value;
  const issue = result.error.issues[0];
  if (issue.code === 'too_small') throw new Error(`${text} is ${issue.inclusive ? 'below' : 'not above'} ${String(issue.minimum)}`);
  if (issue.code === 'too_big') throw new Error(`${text} is ${issue.inclusive ? 'above' : 'not below'} ${String(issue.maximum)}`);
  if (issue.code === 'invalid_type' && issue.expected === 'int') throw new Error(`"${text}" is not a whole number`);
  throw new Error(`${text}: ${issue.message}`);
}
