import { randomBytes } from 'node:crypto';

/**
 * A new token for serve's URL and `workbench worker --token`: 32 base64url characters from 24 random bytes, the
 * first byte's top bit cleared so the token starts with a letter. One in 64 base64url strings starts with '-', and
 * a command line reads `--token -…` as another flag: the worker command serve prints would not run (191 random bits
 * are left).
 */
export function newAccessToken(bytes: Uint8Array = randomBytes(24)): string {
  const copy = Buffer.from(bytes);
  copy[0] &= 0x7f;
  return copy.toString('base64url');
}
