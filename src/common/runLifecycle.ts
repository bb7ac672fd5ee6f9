import type { RunStatus } from './api.js';

/*
 * A run's lifecycle, the one table the service applies (src/service/runStore.ts: every status change goes through
 * `canMove` inside its transaction, and the service announces it once as a `run-status` event) and the app reads
 * (which buttons a run's row shows).
 *
 *   queued ──start──▶ running ──▶ finished | failed | cancelled
 *     │                 │ └─ interrupted (the service stopped): back to queued, it resumes from its checkpoint
 *     └──cancel──▶ cancelled          failed | cancelled ──retry──▶ queued
 *
 * A run is `running` from the moment it leaves the queue: while its training process is being prepared
 * (launching) as well as while it trains. Cancel works in both.
 */

/** What a user can do with a run. */
export type RunAction = 'cancel' | 'retry' | 'delete' | 'reorder' | 'duplicate';

export const RUN_ACTIONS: readonly RunAction[] = ['cancel', 'retry', 'delete', 'reorder', 'duplicate'];

interface StatusRules {
  /** Nothing more happens to the run by itself (only a retry or a delete changes it). */
  final: boolean;
  /** The statuses it may move to. */
  next: readonly RunStatus[];
  /** What the user may do with it. */
  actions: readonly RunAction[];
}

export const RUN_LIFECYCLE: Readonly<Record<RunStatus, StatusRules>> = {
  queued: { final: false, next: ['running', 'cancelled'], actions: ['cancel', 'delete', 'reorder', 'duplicate'] },
  running: { final: false, next: ['finished', 'failed', 'cancelled', 'queued'], actions: ['cancel', 'duplicate'] },
  finished: { final: true, next: [], actions: ['delete', 'duplicate'] },
  failed: { final: true, next: ['queued'], actions: ['retry', 'delete', 'duplicate'] },
  cancelled: { final: true, next: ['queued'], actions: ['retry', 'delete', 'duplicate'] },
};

export const RUN_STATUSES = Object.keys(RUN_LIFECYCLE) as RunStatus[];

/** Whether a run in `status` allows `action`. */
export function allows(status: RunStatus, action: RunAction): boolean {
  return RUN_LIFECYCLE[status].actions.includes(action);
}

/** Whether a run may move from `from` to `to`. */
export function canMove(from: RunStatus, to: RunStatus): boolean {
  return RUN_LIFECYCLE[from].next.includes(to);
}

export function isFinal(status: RunStatus): boolean {
  return RUN_LIFECYCLE[status].final;
}

const VERBS: Record<RunAction, string> = {
  cancel: 'cancelled',
  retry: 'retried',
  delete: 'deleted',
  reorder: 'reordered',
  duplicate: 'duplicated',
};

/** Why run `id` in `status` refuses `action`, in one line: "run 3 is running; only a queued or running run can be cancelled". */
export function refusal(id: number, status: RunStatus, action: RunAction): string {
  const allowed = RUN_STATUSES.filter((s) => allows(s, action));
  const which = allowed.length > 2 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed.join(' or ');
  const hint = status === 'running' && action === 'delete' ? ' (cancel it first)' : '';
  return `run ${id} is ${status}; only a ${which} run can be ${VERBS[action]}${hint}`;
}
