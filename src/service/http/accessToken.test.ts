import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { runs } from '../../../test/support/fuzz.js';
import { newAccessToken } from './accessToken.js';

/** The token as `workbench worker --token TOKEN` reads it (src/cli/commands/worker.ts). */
function tokenFlag(token: string): string | undefined {
  return parseArgs({ args: ['--token', token], options: { token: { type: 'string' } } }).values.token;
}

it('starts with a letter where plain base64url would start with a dash', () => {
  const bytes = Buffer.alloc(24, 0xf8);
  expect(bytes.toString('base64url')).toMatch(/^-/);
  const token = newAccessToken(bytes);
  expect(token).toMatch(/^[A-Za-z][A-Za-z0-9_-]{31}$/);
  expect(token.slice(1)).toBe(bytes.toString('base64url').slice(1));
  expect(tokenFlag(token)).toBe(token);
});

it('any token passes through `--token TOKEN` as it is', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), (bytes) => {
      const token = newAccessToken(bytes);
      expect(token).toHaveLength(32);
      expect(tokenFlag(token)).toBe(token);
    }),
    { numRuns: runs(300) },
  );
});

it('is new each time', () => {
  expect(newAccessToken()).not.toBe(newAccessToken());
});
