import path from 'node:path';
import { expect, it } from 'vitest';
import { lastJson, runWorkbench, smsSliceFlags, TINY_RUN_FLAGS } from './support/cli.js';
import { tempDir } from './support/tempDir.js';

/* The prefix store through the CLI: two runs share a frozen prefix; `cache` reports, caps and clears the store. */

const dir = tempDir('wb-cli-cache-');
const data = path.join(dir, 'data');

it('a repeated run reads its prefix from the store (runs show says so); cache shows the store, sets its cap and clears it (eviction by the cap: test/service/prefixStore.test.ts)', async () => {
  const add = [
    'runs',
    'add',
    '--data',
    data,
    ...smsSliceFlags(dir, 'sms-slice.tsv'),
    ...TINY_RUN_FLAGS,
    '--trainable',
    'last-1',
    '--epochs',
    '1',
  ];
  expect((await runWorkbench(add)).code).toBe(0);
  expect((await runWorkbench(add)).code).toBe(0);
  expect((await runWorkbench(['queue', 'run', '--data', data])).code).toBe(0);

  const shown = (id: number) => runWorkbench(['runs', 'show', String(id), '--data', data, '--json']).then(lastJson);
  const [first, second] = (await Promise.all([shown(1), shown(2)])) as { prefixCache: Record<string, unknown>; accuracy: unknown }[];
  expect(first.prefixCache).toMatchObject({ k: 1, source: 'computed' });
  expect(second.prefixCache).toEqual({ ...first.prefixCache, source: 'store' });
  expect(second.accuracy).toEqual(first.accuracy);
  expect((await runWorkbench(['runs', 'show', '2', '--data', data])).stdout).toMatch(
    /frozen prefix: 1 block on \w+, \d+ messages, read from the prefix store/,
  );

  const folder = path.join(data, 'prefix-store');
  const stored = lastJson(await runWorkbench(['cache', '--data', data, '--json'])) as { bytes: number };
  expect(stored).toEqual({ folder, entries: 1, bytes: expect.any(Number) as unknown, capBytes: 8 * 2 ** 30 });
  expect((await runWorkbench(['cache', '--data', data])).stdout).toMatch(/^prefix store .*: 1 entry, [\d.]+ (KiB|MiB) \(cap 8\.0 GiB\)$/m);

  const refused = await runWorkbench(['cache', 'cap', 'lots', '--data', data]);
  expect([refused.code, refused.stderr.trim()]).toEqual([
    1,
    'workbench: cache cap: give one size, e.g. 8GiB, 500MiB or a number of bytes (not "lots")',
  ]);
  expect(lastJson(await runWorkbench(['cache', 'cap', '2GiB', '--data', data, '--json']))).toEqual({ ...stored, capBytes: 2 * 2 ** 30 });
  expect(lastJson(await runWorkbench(['cache', 'clear', '--data', data, '--json']))).toEqual({
    folder,
    entries: 0,
    bytes: 0,
    capBytes: 2 * 2 ** 30,
  });
});
