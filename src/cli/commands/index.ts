import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { cacheCapCommand, cacheClearCommand, cacheCommand } from './cache.js';
import { classifyCommand } from './classify.js';
import { datasetInspectCommand } from './datasetInspect.js';
import { forwardCommand } from './forward.js';
import { hostsCommand } from './hosts.js';
import { queueRunCommand } from './queueRun.js';
import { runsAddCommand } from './runsAdd.js';
import { runsCompareCommand } from './runsCompare.js';
import { runsErrorsCommand } from './runsErrors.js';
import { runsExportCommand } from './runsExport.js';
import { runsListCommand } from './runsList.js';
import { runsShowCommand } from './runsShow.js';
import { runsNoteCommand, runsTagCommand } from './runsTag.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';
import { workerCommand } from './worker.js';

export const commands: Command[] = [
  trainCommand,
  classifyCommand,
  forwardCommand,
  datasetInspectCommand,
  benchCommand,
  runsAddCommand,
  runsListCommand,
  runsShowCommand,
  runsCompareCommand,
  runsErrorsCommand,
  runsExportCommand,
  runsTagCommand,
  runsNoteCommand,
  queueRunCommand,
  cacheCommand,
  cacheClearCommand,
  cacheCapCommand,
  serveCommand,
  workerCommand,
  hostsCommand,
];
