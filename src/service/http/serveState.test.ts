import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../../../test/support/tempDir.js';
import { readServeState, SERVE_STATE_FILE, writeServeState } from './serveState.js';

const dir = tempDir('wb-serve-state-');

it('keeps a port and token, and drops a saved token starting with a dash (worker --token cannot take it)', async () => {
  const token = 'A'.repeat(32);
  await writeServeState(dir, { port: 4242, token });
  expect(await readServeState(dir)).toEqual({ port: 4242, token });
  writeFileSync(path.join(dir, SERVE_STATE_FILE), JSON.stringify({ port: 4242, token: `-${'A'.repeat(31)}` }));
  expect(await readServeState(dir)).toBeNull(); // listenAsBefore then makes a new token
});
