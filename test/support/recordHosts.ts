import path from 'node:path';
import { openDatabase } from '../../src/service/database.js';
import { HostRegistry, type Heartbeat } from '../../src/service/hosts.js';
import { DATABASE_FILE } from '../../src/service/workbenchService.js';

/**
 * Writes into a data folder's database what the coordinator writes when hosts report — for the end-to-end tests,
 * whose own typecheck stays off the service: `node test/support/tsChild.mjs test/support/recordHosts.ts DATA_DIR JSON`,
 * JSON a list of `{"heartbeat": Heartbeat}` and `{"runHost": [runId, name]}`, written in order through the registry.
 */
export type HostRecord = { heartbeat: Heartbeat } | { runHost: [number, string] };

// argv: node, tsChild.mjs, this file, then the arguments.
const [dataDir, json] = process.argv.slice(3);
const db = openDatabase(path.join(dataDir, DATABASE_FILE));
try {
  const hosts = new HostRegistry(db);
  for (const record of JSON.parse(json) as HostRecord[]) {
    if ('heartbeat' in record) hosts.recordHeartbeat(record.heartbeat);
    else hosts.recordRunHost(...record.runHost);
  }
} finally {
  db.close();
}
