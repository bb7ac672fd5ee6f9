import type { HostState, HostSummary } from '../common/api.js';
import type { Db } from './database.js';
import { InvalidRequest } from './errors.js';

/** The name runs trained by this workbench's own trainer record; no training host may take it. */
export const LOCAL_HOST = 'local';

/** A host not heard from for this long is shown offline (its heartbeats come every few seconds). */
export const OFFLINE_AFTER_MS = 60_000;

/** What a training host says about itself at every heartbeat. */
export interface Heartbeat {
  name: string;
  state: Exclude<HostState, 'offline'>;
  /** The run it trains, or null. */
  run: number | null;
  backend: string | null;
  device: string | null;
  /** Its workbench version. */
  version: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Refuses a host name that is not 1–64 letters, digits, dots, dashes or underscores, or is "local". */
export function checkHostName(name: string): string {
  if (!NAME.test(name))
    throw new InvalidRequest(`host name "${name}" is not 1–64 letters, digits, ".", "-" or "_" (starting with a letter or digit)`);
  if (name === LOCAL_HOST)
    throw new InvalidRequest(`host name "${LOCAL_HOST}" is this workbench's own trainer; give the host another --name`);
  return name;
}

/** Appends `host` to run `runId`'s hosts unless it is already the last one (a run resumed on the same host lists it once). */
export function appendRunHost(db: Db, runId: number, host: string): void {
  db.prepare(
    `UPDATE runs SET hosts = json_insert(hosts, '$[#]', ?)
     WHERE id = ? AND coalesce(json_extract(hosts, '$[#-1]'), '') <> ?`,
  ).run(host, runId, host);
}

/**
 * The training hosts this workbench has heard from, and which hosts each run trained on. The coordinator
 * records heartbeats and the host that takes (or resumes) a run; the System page, `workbench hosts` and the
 * runs' `host` read them. `onChange` hears every change, with the list as it is then.
 */
export class HostRegistry {
  constructor(
    private readonly db: Db,
    private readonly onChange: (hosts: HostSummary[]) => void = () => {},
    private readonly clock: () => number = Date.now,
  ) {}

  recordHeartbeat(beat: Heartbeat): void {
    const name = checkHostName(beat.name);
    const seen = new Date(this.clock()).toISOString();
    // A run deleted meanwhile is no run (the foreign key would refuse the whole heartbeat).
    const run = beat.run !== null && this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(beat.run) ? beat.run : null;
    this.db
      .prepare(
        `INSERT INTO hosts (name, state, run_id, backend, device, version, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET state = excluded.state, run_id = excluded.run_id, backend = excluded.backend,
           device = excluded.device, version = excluded.version, last_seen = excluded.last_seen`,
      )
      .run(name, beat.state, run, beat.backend, beat.device, beat.version, seen, seen);
    this.onChange(this.list());
  }

  /** Records that host `name` trains run `runId` now (it took it, or resumed it after another host). */
  recordRunHost(runId: number, name: string): void {
    appendRunHost(this.db, runId, checkHostName(name));
    this.onChange(this.list());
  }

  /** Every host by name; one silent for OFFLINE_AFTER_MS is `offline`, with no current run. */
  list(): HostSummary[] {
    const rows = this.db.prepare('SELECT * FROM hosts ORDER BY name').all() as Record<string, unknown>[];
    const now = this.clock();
    return rows.map((r) => {
      const lastSeen = String(r.last_seen);
      const offline = now - Date.parse(lastSeen) > OFFLINE_AFTER_MS;
      return {
        name: String(r.name),
        state: offline ? 'offline' : (r.state as HostState),
        run: offline || r.run_id === null ? null : Number(r.run_id),
        lastSeen,
        backend: (r.backend as string | null) ?? null,
        device: (r.device as string | null) ?? null,
        version: String(r.version),
      };
    });
  }
}
