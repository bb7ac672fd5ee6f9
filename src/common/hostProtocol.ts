import { z } from 'zod';
import { RunConfigSchema } from './runConfig.js';

/*
 * What training hosts (`workbench worker`) and the coordinator (the workbench that owns the data folder) say to
 * each other. A run travels as a BullMQ job (RemoteJob) on Redis; everything else is HTTP to the coordinator,
 * under REMOTE_PATH and behind its token: the host attaches to the run, fetches the data set and the last
 * checkpoint, reports the training process's messages in batches, and uploads checkpoints and the classifier.
 */

export const REMOTE_PATH = '/api/remote';

/** What a training host runs to take the runs of the coordinator at `origin` (serve prints it, the System page shows it). */
export function workerCommand(redisUrl: string, origin: string, token: string): string {
  return `workbench worker --redis ${redisUrl} --workbench ${origin} --token ${token}`;
}

/** The data file a run reads, by its sha256 (as the coordinator keeps it: datasets/<sha256><ext>). */
export const RemoteFileSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), ext: z.enum(['', '.csv', '.tsv', '.txt']) });
export type RemoteFile = z.infer<typeof RemoteFileSchema>;

/** A BullMQ job's data: one run, as the coordinator dispatched it. */
export const RemoteJobSchema = z.object({
  runId: z.number().int().min(1),
  /** Names this dispatch of the run: a host attaches with it, and a report for another one is refused. */
  dispatch: z.string().min(16).max(64),
  /** The coordinator's workbench version: a host of another version refuses the job. */
  version: z.string(),
  /** The run's settings; `dataset.source` is a built-in name, or stands for `dataset` below. */
  config: RunConfigSchema,
  dataset: RemoteFileSchema.nullable(),
});
export type RemoteJob = z.infer<typeof RemoteJobSchema>;

/** `GET /api/remote/hello`: what a host needs before it takes jobs. */
export const HelloSchema = z.object({ queue: z.string(), version: z.string() });
export type Hello = z.infer<typeof HelloSchema>;

/** `POST /api/remote/heartbeat`, every few seconds: what a host is doing. */
export const HeartbeatSchema = z.object({
  name: z.string(),
  state: z.enum(['idle', 'training', 'stopped']),
  run: z.number().int().min(1).nullable(),
  backend: z.string().max(100).nullable(),
  device: z.string().max(200).nullable(),
  version: z.string().max(100),
});

/** `POST /api/remote/runs/<id>/attach`: a host took (or took over) a run's job. */
export const AttachSchema = z.object({ dispatch: z.string(), attempt: z.string().min(8).max(64), host: z.string(), version: z.string() });
export type Attach = z.infer<typeof AttachSchema>;

/**
 * One thing the training process said: a message (checked by the coordinator's supervisor as a local process's
 * messages are, so an unreadable one fails the run with its reason), or a line it printed.
 */
export const ReportItemSchema = z.union([z.object({ message: z.unknown() }), z.object({ line: z.string() })]);
export type ReportItem = z.infer<typeof ReportItemSchema>;

/**
 * What the training process said since the last report, in order, numbered from `first` (a report sent again after
 * a lost answer is applied once); `exit` once the process ended.
 */
export const ReportSchema = z.object({
  dispatch: z.string(),
  attempt: z.string(),
  first: z.number().int().min(0),
  items: z.array(ReportItemSchema),
  exit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable() }).nullable(),
});
export type Report = z.infer<typeof ReportSchema>;

/** The answer to an attach or a report: whether the run's cancel was asked for. */
export const ReportAnswerSchema = z.object({ cancel: z.boolean() });

/** The folders of a run that hosts upload into and download from, and the files each may hold. */
export const RUN_FILES = {
  checkpoints: { pointer: 'checkpoint.json', versioned: /^checkpoint-\d{1,15}\.safetensors$/, field: 'tensorsFile' },
  classifier: { pointer: 'classifier.json', versioned: /^classifier-\d{1,15}\.safetensors$/, field: 'weightsFile' },
} as const;
export type RunFolderName = keyof typeof RUN_FILES;
