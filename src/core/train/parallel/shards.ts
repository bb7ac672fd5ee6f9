/** Splits a batch into at most n contiguous, non-empty shards whose sizes differ by at most one. */
export function splitEvenly<T>(items: readonly T[], n: number): T[][] {
  const count = Math.min(n, items.length);
  const shards: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    shards.push(items.slice(start, start + size));
    start += size;
  }
  return shards;
}
