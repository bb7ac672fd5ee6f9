import { parseArgs } from 'node:util';
import type { HostSummary } from '../../common/api.js';
import { printJson, type Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const hostsCommand: Command = {
  name: 'hosts',
  summary: 'list the training hosts (workbench worker) this workbench has heard from',
  usage: `workbench hosts [--data DIR] [--json]

Each training host with its state (idle, training, stopped, or offline after a minute without a
heartbeat), the run it trains, its last heartbeat, training backend and device.
${DATA_FLAG_HELP}
  --json                      {"hosts": [{"name", "state", "run", "lastSeen", "backend", "device", "version"}]}
                              as the last line of stdout`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
    const hosts = await withService(values.data, (service) => service.listHosts());
    if (values.json) printJson({ hosts });
    else if (hosts.length === 0)
      process.stdout.write('no training hosts yet (start one with workbench worker; see workbench worker --help)\n');
    else for (const h of hosts) process.stdout.write(`${hostLine(h, Date.now())}\n`);
    return 0;
  },
};

/** "gpu-box  training  run 7  last heartbeat 3s ago  onnxruntime-node · cuda:0  v0.1.0". */
function hostLine(h: HostSummary, now: number): string {
  const ago = Math.max(0, Math.round((now - Date.parse(h.lastSeen)) / 1000));
  const where = [h.backend, h.device].filter(Boolean).join(' · ');
  return [
    h.name.padEnd(16),
    h.state.padEnd(8),
    (h.run === null ? '' : `run ${h.run}`).padEnd(8),
    `last heartbeat ${ago}s ago`,
    where,
    `v${h.version}`,
  ]
    .filter(Boolean)
    .join('  ');
}
