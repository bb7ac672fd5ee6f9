import path from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../src/service/database.js';
import { HostRegistry } from '../src/service/hosts.js';
import { RunStore } from '../src/service/runStore.js';
import { DATABASE_FILE } from '../src/service/workbenchService.js';
import { lastJson, runWorkbench } from './support/cli.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from './support/service.js';
import { tempDir } from './support/tempDir.js';

/* `workbench hosts` and the runs' "host", read from a data folder where a coordinator recorded two hosts. */

const data = path.join(tempDir('wb-cli-hosts-'), 'data');

it('says there are no hosts yet, in words and in JSON', async () => {
  const empty = path.join(tempDir('wb-cli-no-hosts-'), 'data');
  expect(lastJson(await runWorkbench(['hosts', '--data', empty, '--json']))).toEqual({ hosts: [] });
  const text = await runWorkbench(['hosts', '--data', empty]);
  expect(text).toMatchObject({ code: 0, stdout: 'no training hosts yet (start one with workbench worker; see workbench worker --help)\n' });
});

it('lists the hosts the registry recorded, and runs list gives each run its host', async () => {
  const { service } = await openService({ dataDir: data, autoStart: false });
  const { id: datasetId } = await service.importDataset(smsSlice(), SMS_MAPPING, 'slice');
  const [remote, local, queued] = await service.createRuns({ base: tinyRun(datasetId), vary: { seed: [1, 2, 3] } });
  await service.close();

  // What the coordinator writes: a run handed to the hosts' queue, taken by gpu-box, then resumed on laptop; one trained here.
  const db = openDatabase(path.join(data, DATABASE_FILE));
  const store = new RunStore(db);
  const hosts = new HostRegistry(db);
  store.markRunning(remote.id, null);
  hosts.recordRunHost(remote.id, 'gpu-box');
  hosts.recordRunHost(remote.id, 'laptop');
  store.markRunning(local.id);
  hosts.recordHeartbeat({ name: 'gpu-box', state: 'stopped', run: null, backend: 'onnxruntime-node', device: 'cpu', version: '0.1.0' });
  hosts.recordHeartbeat({
    name: 'laptop',
    state: 'training',
    run: remote.id,
    backend: 'tfjs-node-gpu',
    device: 'cuda:0',
    version: '0.1.0',
  });
  db.close();

  const listed = lastJson(await runWorkbench(['hosts', '--data', data, '--json'])) as { hosts: Record<string, unknown>[] };
  expect(listed.hosts).toEqual([
    {
      name: 'gpu-box',
      state: 'stopped',
      run: null,
      lastSeen: expect.any(String),
      backend: 'onnxruntime-node',
      device: 'cpu',
      version: '0.1.0',
    },
    {
      name: 'laptop',
      state: 'training',
      run: remote.id,
      lastSeen: expect.any(String),
      backend: 'tfjs-node-gpu',
      device: 'cuda:0',
      version: '0.1.0',
    },
  ]);
  expect(Date.now() - Date.parse(listed.hosts[1].lastSeen as string)).toBeGreaterThanOrEqual(0);

  const text = await runWorkbench(['hosts', '--data', data]);
  expect(text.code).toBe(0);
  expect(text.stdout.split('\n')[1]).toMatch(/^laptop +training +run \d+ +last heartbeat \d+s ago {2}tfjs-node-gpu · cuda:0 {2}v0\.1\.0$/);

  const { runs } = lastJson(await runWorkbench(['runs', 'list', '--data', data, '--json'])) as {
    runs: { id: number; host: string | null }[];
  };
  expect(runs.map((r) => [r.id, r.host])).toEqual([
    [remote.id, 'laptop'],
    [local.id, 'local'],
    [queued.id, null],
  ]);
  const inWords = await runWorkbench(['runs', 'list', '--data', data]);
  expect(inWords.stdout.split('\n').slice(0, 3)).toEqual([
    expect.stringMatching(new RegExp(`^ +${remote.id}  running +seed 1  \\(on laptop\\)$`)),
    expect.stringMatching(new RegExp(`^ +${local.id}  running +seed 2$`)),
    expect.stringMatching(new RegExp(`^ +${queued.id}  queued +seed 3$`)),
  ]);
  const shown = lastJson(await runWorkbench(['runs', 'show', String(remote.id), '--data', data, '--json']));
  expect(shown).toMatchObject({ host: 'laptop', hosts: ['gpu-box', 'laptop'] });
});
