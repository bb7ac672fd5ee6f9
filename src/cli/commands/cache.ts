import { parseArgs } from 'node:util';
import type { PrefixStoreInfo } from '../../common/api.js';
import { WorkbenchError } from '../../core/errors.js';
import { formatBytes } from '../../core/train/prefixStore.js';
import type { WorkbenchService } from '../../service/workbenchService.js';
import { printJson, type Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

const JSON_HELP = `  --json                      {"folder", "entries", "bytes", "capBytes"} as the last line of stdout`;
const UNITS: Record<string, number> = { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** Runs `call` on the service over the data folder and prints the prefix store it answers with. */
async function storeCommand(argv: string[], call: (service: WorkbenchService, args: string[]) => Promise<PrefixStoreInfo>) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...DATA_FLAG, json: { type: 'boolean' } } });
  const info = await withService(values.data, (service) => call(service, positionals));
  if (values.json) printJson(info);
  else process.stdout.write(`${describe(info)}\n`);
  return 0;
}

function describe(info: PrefixStoreInfo): string {
  const entries = `${info.entries} ${info.entries === 1 ? 'entry' : 'entries'}`;
  return `prefix store ${info.folder}: ${entries}, ${formatBytes(info.bytes)} (cap ${formatBytes(info.capBytes)})`;
}

/** "8GiB", "500 MiB", "1073741824" (bytes). */
export function parseSize(text: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|tib)?$/i.exec(text?.trim() ?? '');
  if (!m) throw new WorkbenchError(`cache cap: give one size, e.g. 8GiB, 500MiB or a number of bytes${text ? ` (not "${text}")` : ''}`);
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]);
}

export const cacheCommand: Command = {
  name: 'cache',
  summary: "the prefix store: frozen blocks' outputs kept between runs (entries, size, cap)",
  usage: `workbench cache [--data DIR] [--json]

Runs whose frozen blocks see the same weights and messages share their output through the data folder's
prefix store; its least recently used entries go when it grows past its cap (default 8 GiB).
Also: workbench cache clear, workbench cache cap SIZE.
${DATA_FLAG_HELP}
${JSON_HELP}`,
  run: (argv) => storeCommand(argv, async (service) => (await service.getSystemInfo()).prefixStore),
};

export const cacheClearCommand: Command = {
  name: 'cache clear',
  summary: 'empty the prefix store (runs compute their prefixes again)',
  usage: `workbench cache clear [--data DIR] [--json]

${DATA_FLAG_HELP}
${JSON_HELP}`,
  run: (argv) => storeCommand(argv, (service) => service.clearPrefixStore()),
};

export const cacheCapCommand: Command = {
  name: 'cache cap',
  summary: "set the prefix store's size cap (least recently used entries beyond it go now)",
  usage: `workbench cache cap SIZE [--data DIR] [--json]

SIZE: bytes, or a number with KiB, MiB, GiB or TiB (e.g. 8GiB, 500MiB).
${DATA_FLAG_HELP}
${JSON_HELP}`,
  run: (argv) =>
    storeCommand(argv, (service, args) => {
      if (args.length !== 1) parseSize(undefined);
      return service.setPrefixStoreCap(parseSize(args[0]));
    }),
};
