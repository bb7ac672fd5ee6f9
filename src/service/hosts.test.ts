import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostSummary } from '../common/api.js';
import { tempDir } from '../../test/support/tempDir.js';
import { openDatabase, type Db } from './database.js';
import { HostRegistry, OFFLINE_AFTER_MS, type Heartbeat } from './hosts.js';
import { MIGRATIONS } from './migrations.js';
import { RunStore } from './runStore.js';

const dir = tempDir('wb-hosts-');
let n = 0;
const file = () => path.join(dir, `db-${++n}.sqlite`);

const T0 = Date.parse('2026-12-07T08:00:00.000Z');

function insertRun(db: Db, status = 'queued', startedAt: string | null = null): number {
  const info = db
    .prepare(
      `INSERT INTO runs (name, config, config_hash, dataset_id, dataset_hash, status, queue_position, created_at, started_at)
       VALUES ('r', '{"epochs":1}', 'h', 'sms-spam-book', 'd', ?, ?, '2026-01-01T00:00:00Z', ?)`,
    )
    .run(status, status === 'queued' ? 1 : null, startedAt);
  return Number(info.lastInsertRowid);
}

/** A registry over a fresh database file whose clock the test moves, with every list it announced. */
function registry() {
  const db = openDatabase(file());
  const clock = { now: T0 };
  const announced: HostSummary[][] = [];
  const hosts = new HostRegistry(
    db,
    (list) => announced.push(list),
    () => clock.now,
  );
  return { db, hosts, clock, announced, store: new RunStore(db) };
}

const beat = (over: Partial<Heartbeat> = {}): Heartbeat => ({
  name: 'gpu-box',
  state: 'idle',
  run: null,
  backend: 'onnxruntime-node',
  device: 'cpu',
  version: '0.1.0',
  ...over,
});

describe('the hosts registry', () => {
  it('lists each host by name with its last heartbeat, and announces the list at every change', () => {
    const { hosts, clock, announced, db } = registry();
    const run = insertRun(db);
    hosts.recordHeartbeat(beat({ name: 'laptop' }));
    clock.now += 5_000;
    hosts.recordHeartbeat(beat({ state: 'training', run, device: 'cuda:0' }));
    clock.now += 5_000;
    hosts.recordHeartbeat(beat({ state: 'training', run, device: 'cuda:0' }));

    const expected = [
      {
        name: 'gpu-box',
        state: 'training',
        run,
        lastSeen: new Date(T0 + 10_000).toISOString(),
        backend: 'onnxruntime-node',
        device: 'cuda:0',
        version: '0.1.0',
      },
      {
        name: 'laptop',
        state: 'idle',
        run: null,
        lastSeen: new Date(T0).toISOString(),
        backend: 'onnxruntime-node',
        device: 'cpu',
        version: '0.1.0',
      },
    ];
    expect(hosts.list()).toEqual(expected);
    expect(announced).toHaveLength(3);
    expect(announced.at(-1)).toEqual(expected);
  });

  it('shows a host silent for longer than OFFLINE_AFTER_MS as offline, without a run, until it beats again', () => {
    const { hosts, clock, db } = registry();
    const run = insertRun(db);
    hosts.recordHeartbeat(beat({ state: 'training', run }));
    clock.now += OFFLINE_AFTER_MS;
    expect(hosts.list()[0]).toMatchObject({ state: 'training', run });
    clock.now += 1;
    expect(hosts.list()[0]).toMatchObject({ state: 'offline', run: null, lastSeen: new Date(T0).toISOString() });
    hosts.recordHeartbeat(beat({ state: 'idle' }));
    expect(hosts.list()[0]).toMatchObject({ state: 'idle', lastSeen: new Date(clock.now).toISOString() });
  });

  it('keeps a heartbeat naming a deleted run, without the run', () => {
    const { hosts } = registry();
    hosts.recordHeartbeat(beat({ state: 'training', run: 999 }));
    expect(hosts.list()[0]).toMatchObject({ state: 'training', run: null });
  });

  it('refuses "local" and names that are not one short word, recording nothing', () => {
    const { hosts, announced } = registry();
    expect(() => hosts.recordHeartbeat(beat({ name: 'local' }))).toThrow(/"local" is this workbench's own trainer/);
    for (const name of ['', 'a b', '-x', 'x'.repeat(65), 'ü']) {
      expect(() => hosts.recordHeartbeat(beat({ name }))).toThrow(/is not 1–64 letters, digits/);
    }
    expect(hosts.list()).toEqual([]);
    expect(announced).toEqual([]);
  });
});

describe("a run's hosts", () => {
  it('is "local" for a run this workbench trains, and every host it trained on, in order, once resumed elsewhere', () => {
    const { hosts, store, db } = registry();
    const local = insertRun(db);
    const remote = insertRun(db);
    expect(store.get(local)!.hosts).toEqual([]);
    store.markRunning(local);
    expect(store.get(local)!.hosts).toEqual(['local']);

    // The coordinator hands a run to the queue for hosts before a host takes it.
    store.markRunning(remote, null);
    expect(store.get(remote)!.hosts).toEqual([]);
    hosts.recordRunHost(remote, 'gpu-box');
    hosts.recordRunHost(remote, 'gpu-box');
    hosts.recordRunHost(remote, 'laptop');
    hosts.recordRunHost(remote, 'gpu-box');
    expect(store.get(remote)!.hosts).toEqual(['gpu-box', 'laptop', 'gpu-box']);
  });

  it('counts a restart when another host takes a running run over, and lists both hosts', () => {
    const { hosts, store, db } = registry();
    const id = insertRun(db);
    store.markRunning(id, null);
    hosts.recordRunHost(id, 'gpu-box');
    store.addRestart(id);
    hosts.recordRunHost(id, 'laptop');
    expect(store.get(id)).toMatchObject({ status: 'running', restarts: 1, hosts: ['gpu-box', 'laptop'] });
  });

  it('is cleared when a failed run is retried from scratch', () => {
    const { store, db } = registry();
    const id = insertRun(db);
    store.markRunning(id);
    store.end(id, 'failed', 'out of memory', null, 1);
    store.requeue(id);
    expect(store.get(id)!.hosts).toEqual([]);
  });

  it('refuses a host name that is not a host', () => {
    const { hosts, db } = registry();
    const id = insertRun(db);
    expect(() => hosts.recordRunHost(id, 'local')).toThrow(/own trainer/);
  });
});

describe('migration 6 on a database of an earlier version', () => {
  for (const version of [3, 5]) {
    it(`upgrades a version-${version} database: runs that started trained "local", queued ones have no host yet, no hosts`, () => {
      const f = file();
      const old = openDatabase(
        f,
        MIGRATIONS.filter((m) => m.version <= version),
      );
      const finished = insertRun(old, 'finished', '2026-01-01T00:00:01Z');
      const queued = insertRun(old);
      old.close();

      const db = openDatabase(f);
      const store = new RunStore(db);
      expect(store.get(finished)!.hosts).toEqual(['local']);
      expect(store.get(queued)!.hosts).toEqual([]);
      expect(new HostRegistry(db).list()).toEqual([]);
      db.close();
    });
  }
});
