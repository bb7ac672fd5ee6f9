import type { RunSummary, WorkbenchEvent } from '../../common/api.js';

/**
 * Applies a live event to the runs table. Returns the new list (the same one when nothing changed), or null when
 * the event needs a fresh `listRuns` (a run appeared, finished, went to another host, or the queue moved)
 * rather than a patch.
 */
export function applyRunEvent(runs: RunSummary[], event: WorkbenchEvent): RunSummary[] | null {
  switch (event.type) {
    case 'hosts':
      // Heartbeats every few seconds: only a run now on a host the table does not show yet needs a reload.
      return event.hosts.some((h) => runs.some((r) => r.id === h.run && r.host !== h.name)) ? null : runs;
    case 'run-progress': {
      if (!runs.some((r) => r.id === event.runId)) return null;
      return runs.map((r) => (r.id === event.runId ? { ...r, status: 'running', progress: event.progress } : r));
    }
    case 'run-status':
    case 'runs-changed':
    case 'queue':
      return null;
    default:
      return [...runs];
  }
}

/** Queued runs first in queue order, then the running, then the rest newest first. */
export function orderRuns(runs: readonly RunSummary[]): RunSummary[] {
  const rank = (r: RunSummary) => (r.status === 'running' ? 0 : r.status === 'queued' ? 1 : 2);
  return [...runs].sort((a, b) => rank(a) - rank(b) || (a.queuePosition ?? 0) - (b.queuePosition ?? 0) || b.id - a.id);
}

/** The queued ids after dragging `moved` onto `target` (it takes the target's place). */
export function moveInQueue(queued: readonly number[], moved: number, target: number): number[] {
  const from = queued.indexOf(moved);
  const to = queued.indexOf(target);
  if (from < 0 || to < 0 || from === to) return [...queued];
  const next = queued.filter((id) => id !== moved);
  next.splice(to, 0, moved);
  return next;
}

/** The queued ids with `id` moved `delta` places (the keyboard's way to reorder); clamped to the ends. */
export function shiftInQueue(queued: readonly number[], id: number, delta: number): number[] {
  const from = queued.indexOf(id);
  if (from < 0) return [...queued];
  const to = Math.min(queued.length - 1, Math.max(0, from + delta));
  const next = queued.filter((q) => q !== id);
  next.splice(to, 0, id);
  return next;
}
