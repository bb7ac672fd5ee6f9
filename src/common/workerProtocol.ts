import { z } from 'zod';
import { EpochPointSchema, EvalPointSchema, PrefixCacheRecordSchema, SplitEvaluationSchema } from './api.js';
import { RunConfigSchema } from './runConfig.js';

/*
 * Messages between the service and the training process (src/worker). The worker is a separate
 * program (a Node child process, or Electron's utilityProcess), so both sides validate what they receive.
 */

/** Everything a worker needs to train one run; paths are absolute. */
export const WorkerJobSchema = z.object({
  runId: z.number().int().min(1),
  /** The run's config with `dataset.source` resolved to a built-in name or the stored file. */
  config: RunConfigSchema,
  checkpointDir: z.string(),
  classifierDir: z.string(),
  cacheDir: z.string().optional(),
  /** Where frozen prefixes are kept between runs, and its size cap; none: computed every run. */
  prefixStore: z
    .object({
      dir: z.string(),
      capBytes: z.number().int().min(0),
      /** What runs queued after this one will read (core/train/prefixStore.ts PrefixKeep). */
      keep: z.object({ depths: z.array(z.number().int().min(1)), trail: z.number().int().min(1).nullable() }).optional(),
    })
    .optional(),
});
export type WorkerJob = z.infer<typeof WorkerJobSchema>;

export const ServiceToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), job: WorkerJobSchema }),
  /** Stop before the next step; the last epoch checkpoint stays. */
  z.object({ type: z.literal('cancel') }),
]);
export type ServiceToWorker = z.infer<typeof ServiceToWorkerSchema>;

const Splits = <T extends z.ZodType>(t: T) => z.object({ train: t, val: t, test: t });

export const WorkerResultSchema = z.object({
  backend: z.string(),
  labels: z.array(z.string()),
  parameters: z.object({ trainable: z.number().int(), total: z.number().int() }),
  final: Splits(SplitEvaluationSchema),
  /** Each split's per-example predictions, packed (core/train/predictions.ts) and base64-encoded. */
  predictions: Splits(z.base64()),
  gap: z.object({ trainVal: z.number(), trainTest: z.number() }),
  history: z.object({ evals: z.array(EvalPointSchema), epochs: z.array(EpochPointSchema) }),
  trainSeconds: z.number(),
  resumedFromEpoch: z.number().int().nullable(),
  stoppedEarly: z.boolean(),
  bestEpoch: z.number().int().nullable(),
  prefixCache: PrefixCacheRecordSchema.nullable(),
});
export type WorkerResult = z.infer<typeof WorkerResultSchema>;

export const WorkerToServiceSchema = z.discriminatedUnion('type', [
  /** The engine is up: which tfjs backend it runs on. */
  z.object({ type: z.literal('ready'), backend: z.string() }),
  /** A checkpoint was found: training continues after this epoch (0-based) and step. */
  z.object({ type: z.literal('resuming'), epoch: z.number().int(), step: z.number().int() }),
  z.object({
    type: z.literal('stage'),
    stage: z.enum(['dataset', 'model', 'prefix', 'training', 'evaluating', 'saving']),
    message: z.string(),
  }),
  z.object({
    type: z.literal('step'),
    step: z.number().int(),
    totalSteps: z.number().int(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    examplesSeen: z.number().int(),
    loss: z.number(),
    tokensPerSecond: z.number(),
    etaSeconds: z.number(),
  }),
  z.object({ type: z.literal('prefix'), done: z.number().int(), total: z.number().int() }),
  z.object({ type: z.literal('eval'), point: EvalPointSchema }),
  z.object({ type: z.literal('epoch'), point: EpochPointSchema }),
  z.object({ type: z.literal('checkpoint'), epoch: z.number().int() }),
  z.object({ type: z.literal('finished'), result: WorkerResultSchema }),
  z.object({ type: z.literal('failed'), error: z.string() }),
  z.object({ type: z.literal('cancelled') }),
]);
export type WorkerToService = z.infer<typeof WorkerToServiceSchema>;
