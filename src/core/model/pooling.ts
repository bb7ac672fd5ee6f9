import type { Pooling } from '../../common/modelSpec.js';

/**
 * Pooling weights [B, T] (flat) that pick (or average) the positions feeding the head:
 * `last-position` the padded row's last position (the book), `last-token` each row's last real
 * token, `mean` the average over real tokens. lengths are the real token counts.
 */
export function poolingWeightData(pooling: Pooling, lengths: number[], T: number): Float32Array {
  const w = new Float32Array(lengths.length * T);
  lengths.forEach((len, b) => {
    const n = Math.max(1, Math.min(len, T));
    if (pooling === 'last-position') w[b * T + T - 1] = 1;
    else if (pooling === 'last-token') w[b * T + n - 1] = 1;
    else w.fill(1 / n, b * T, b * T + n);
  });
  return w;
}

/** Whether the pooling weights are one-hot: the head reads one position per row. */
export function picksOne(pooling: Pooling): boolean {
  return pooling !== 'mean';
}
