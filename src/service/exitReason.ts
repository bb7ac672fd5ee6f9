import type { WorkerExit } from './trainerHost.js';

/** One line saying why a training process ended without reporting a result. */
export function exitReason(exit: WorkerExit, outputTail: string[]): string {
  const tail = outputTail.join('\n');
  if (/heap out of memory|ENOMEM|Cannot allocate memory|std::bad_alloc|Out of memory/i.test(tail)) {
    return `the training process ran out of memory${exit.signal ? ` (${exit.signal})` : exit.code !== null ? ` (exit code ${exit.code})` : ''}`;
  }
  if (exit.signal === 'SIGKILL') return 'the training process was killed (SIGKILL; out of memory, or killed by the user or the system)';
  if (exit.signal) return `the training process was stopped by signal ${exit.signal}`;
  if (exit.code === null) return `the training process could not start${tail ? `: ${outputTail[outputTail.length - 1]}` : ''}`;
  const last = [...outputTail].reverse().find((l) => /error/i.test(l));
  return `the training process exited with code ${exit.code} without a result${last ? `: ${last.trim()}` : ''}`;
}
