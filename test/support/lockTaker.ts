import { QueueLock } from '../../src/service/queueLock.js';

/*
 * A process that takes a data folder's queue lock when told to (run by tsChild.mjs): the cheap starter of
 * the lock race. With an argument, it takes the lock over that folder at once, prints "held" and waits to be
 * killed; without, it answers IPC messages `{take: dir}` with `{won}` and, on `{release: true}`, lets go.
 */

const dir = process.argv[3];
if (dir) {
  QueueLock.take(dir);
  process.stdout.write('held\n');
  setInterval(() => {}, 60_000);
} else {
  let held: QueueLock | null = null;
  process.on('message', (m: { take?: string; release?: boolean }) => {
    if (m.take) {
      try {
        held = QueueLock.take(m.take);
        process.send!({ won: true });
      } catch (err) {
        process.send!({ won: false, message: (err as Error).message });
      }
    } else if (m.release) {
      held?.release();
      held = null;
      process.send!({ released: true });
    }
  });
  process.send!({ ready: true });
}
