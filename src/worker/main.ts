import { ServiceToWorkerSchema, type WorkerToService } from '../common/workerProtocol.js';
import { WorkbenchError } from '../core/errors.js';
import { TrainingCancelled } from '../core/train/loop.js';
import { parentChannel } from './channel.js';
import { trainJob } from './train.js';

/*
 * The training process: receives one job, trains it, reports progress and the result, exits.
 * It never touches the database; everything it learns goes to the service as messages.
 * Its stdout is the run's log (the service keeps the last lines when it dies).
 */

// What it writes (checkpoints, the classifier) is its owner's only, whatever umask it was started with.
try {
  process.umask(0o077);
} catch {
  // A runtime that does not allow it keeps the umask it inherited from the service (077).
}

const channel = parentChannel();
const controller = new AbortController();
let started = false;

function log(m: WorkerToService): void {
  if (m.type === 'stage') process.stdout.write(`${m.message}\n`);
  else if (m.type === 'epoch') {
    const p = m.point;
    process.stdout.write(
      `epoch ${p.epoch + 1}: train accuracy ${p.trainAccuracy.toFixed(4)}, val accuracy ${p.valAccuracy.toFixed(4)}, val loss ${p.valLoss.toFixed(4)}\n`,
    );
  } else if (m.type === 'resuming') process.stdout.write(`resuming from the checkpoint after epoch ${m.epoch + 1} (step ${m.step})\n`);
  else if (m.type === 'ready') process.stdout.write(`backend ${m.backend}\n`);
}

function report(m: WorkerToService): void {
  log(m);
  channel.send(m).catch(() => {
    // The service went away; nothing else would read this run's progress.
    process.exit(1);
  });
}

async function finish(m: WorkerToService, code: number): Promise<never> {
  log(m);
  await channel.send(m).catch(() => {});
  process.exit(code);
}

channel.onMessage((raw) => {
  const parsed = ServiceToWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`worker: ignored an invalid message: ${parsed.error.issues[0].message}\n`);
    return;
  }
  const message = parsed.data;
  if (message.type === 'cancel') {
    controller.abort();
    return;
  }
  if (started) return;
  started = true;
  trainJob(message.job, controller.signal, report).then(
    (result) => finish({ type: 'finished', result }, 0),
    (err: unknown) => {
      if (err instanceof TrainingCancelled || controller.signal.aborted) return finish({ type: 'cancelled' }, 0);
      if (!(err instanceof WorkbenchError)) process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return finish({ type: 'failed', error: err instanceof Error ? err.message : String(err) }, 1);
    },
  );
});
