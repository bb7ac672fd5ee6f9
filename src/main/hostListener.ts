import type { ListenAddress } from '../common/api.js';
import { exposureWarning } from '../service/http/guard.js';
import { listenAsBefore } from '../service/http/serveState.js';
import type { WorkbenchHttpServer } from '../service/http/server.js';
import type { ListenerState, TrainingHostsConfig } from '../service/trainingHosts.js';
import type { WorkbenchService } from '../service/workbenchService.js';

/*
 * The desktop app as coordinator: when the *Training hosts* setting gives a Redis URL, it listens for hosts over
 * HTTP as `serve` does — the same server (src/service/http), the same token and port kept in the data folder's
 * serve.json — but answers their routes only (server.ts: hostsOnly). No Electron here: src/main/index.ts only
 * creates it, and test/remote/desktopHosts.test.ts runs it as the app does.
 */

/** What the listener does for a setting: listen at an address, or not, with the reason when there is one to show. */
export type ListenDecision = { listen: ListenAddress } | { listen: null; why: string | null };

export const QUEUE_ELSEWHERE =
  'another process trains this data folder (`workbench serve` or `queue run`): hosts take runs from it, not from this app';

/** Listens for hosts when a Redis URL is given and this app trains the data folder (the coordinator is who runs the queue). */
export function listenDecision(wanted: TrainingHostsConfig & { listen: ListenAddress }, ownsQueue: boolean): ListenDecision {
  if (wanted.redisUrl === null) return { listen: null, why: null };
  if (!ownsQueue) return { listen: null, why: QUEUE_ELSEWHERE };
  return { listen: wanted.listen };
}

/** The warning the System page shows for an address beyond loopback: serve --host's, for what a host's token reaches. */
export function listenerWarning(address: ListenAddress): string | null {
  return exposureWarning(address.host, address.port, 'fetch the data sets of the runs hosts train and send this workbench their results');
}

/** Why the listener did not start, in the System page's terms (the server's own message speaks of serve's --port). */
export function listenFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const [what, hint] = message.split('; pass --port 0 for a free one');
  return hint === undefined ? what : `${what}: choose another port, or leave the port empty for a free one`;
}

function sameAddress(a: ListenAddress | null, b: ListenAddress | null): boolean {
  return a !== null && b !== null && a.host === b.host && a.port === b.port;
}

export interface HostListenerOptions {
  service: WorkbenchService;
  /** Whether this app runs the data folder's queue (startQueue succeeded). */
  ownsQueue: boolean;
  log(line: string): void;
}

/**
 * Starts, moves and stops the listener as the setting changes, one change at a time, and tells the setting
 * (TrainingHostsSettings.listenerChanged) where hosts reach it: runs go to hosts only while it listens.
 */
export class HostListener {
  private server: WorkbenchHttpServer | null = null;
  /** The address the server listens for (the setting's, port null included). */
  private address: ListenAddress | null = null;
  private changes = Promise.resolve();
  /** Set while this listener reports: its own report is no change of the setting to follow. */
  private reporting = false;
  private readonly stopFollowing: () => void;

  constructor(private readonly o: HostListenerOptions) {
    this.stopFollowing = o.service.trainingHosts.onChange(() => {
      if (!this.reporting) void this.follow();
    });
    o.service.trainingHosts.followedBy(() => this.changes);
  }

  /** Does what the setting says now; resolves once it is done. */
  follow(): Promise<void> {
    return this.next(() => this.apply());
  }

  /** Stops listening for good (the app quits). */
  async close(): Promise<void> {
    this.stopFollowing();
    await this.next(() => this.stop());
  }

  /** Queues `step` after the changes before it; a failure (closing the old server) is said, and the next change still runs. */
  private next(step: () => Promise<void>): Promise<void> {
    this.changes = this.changes.then(step).catch((err: unknown) => this.o.log(`training hosts' listener: ${(err as Error).message}`));
    return this.changes;
  }

  private async apply(): Promise<void> {
    const decision = listenDecision(this.o.service.trainingHosts.wanted(), this.o.ownsQueue);
    if (this.server && sameAddress(decision.listen, this.address)) return;
    await this.stop();
    if (decision.listen === null) return this.report({ origin: null, token: null, error: decision.why, warning: null });
    const { service } = this.o;
    try {
      const { server, token } = await listenAsBefore(
        service.dataDir,
        // rendererDir is never read: only the hosts' routes answer.
        { service, host: decision.listen.host, rendererDir: '', hostRoutes: service.hostRoutes, hostsOnly: true, log: this.o.log },
        { port: decision.listen.port, fallbackPort: 0, newToken: false, say: this.o.log },
      );
      this.server = server;
      this.address = decision.listen;
      this.o.log(`listening for training hosts at ${server.origin}`);
      this.report({ origin: server.origin, token, error: null, warning: listenerWarning({ host: server.host, port: server.port }) });
    } catch (err) {
      this.report({ origin: null, token: null, error: listenFailure(err), warning: null });
    }
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.address = null;
    await server?.close();
  }

  private report(state: ListenerState): void {
    this.reporting = true;
    try {
      this.o.service.trainingHosts.listenerChanged(state);
    } finally {
      this.reporting = false;
    }
  }
}
