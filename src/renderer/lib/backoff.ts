/** The longest wait between two attempts to reach a stopped workbench. */
export const MAX_RETRY_MS = 30_000;

/**
 * How long to wait before the next attempt after `failures` failed ones in a row: 1 s, 2 s, 4 s … up to
 * 30 s, so a page left open on a stopped workbench does not knock every few seconds for hours.
 */
export function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.max(0, failures - 1));
}
