import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ForwardContext } from '../block.js';
import type { GPT2Config } from '../config.js';
import { dropoutMask } from '../dropoutMask.js';
import { isAttentionSite } from '../dropoutSites.js';

type Runtime = typeof import('onnxruntime-node');

/*
 * The dropout masks a graph with dropout takes: one uint8 input per site (1 keeps the unit), drawn on the host
 * with tf.dropout's generator (dropoutMask.ts) and the step's seed for the site, so ONNX Runtime drops the units
 * tfjs would.
 */

const PREFIX = 'dropout_mask:';

/** The graph input that holds dropout site `site`'s mask. */
export function maskInput(site: number): string {
  return `${PREFIX}${site}`;
}

/** The masks for every mask input of `session`, for a batch of B rows of T tokens, with ctx's seeds. */
export function maskFeeds(
  ort: Runtime,
  session: InferenceSession,
  ctx: ForwardContext,
  B: number,
  T: number,
  config: Pick<GPT2Config, 'nHead' | 'nEmbd'>,
): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const name of session.inputNames) {
    if (!name.startsWith(PREFIX)) continue;
    const site = Number(name.slice(PREFIX.length));
    const seed = ctx.seed(site);
    if (seed === null) throw new Error(`the graph drops at site ${site}, where this step has no dropout`);
    const dims = isAttentionSite(site) ? [B, config.nHead, T, T] : [B, T, config.nEmbd];
    feeds[name] = new ort.Tensor(
      'uint8',
      dropoutMask(
        dims.reduce((a, b) => a * b),
        ctx.dropout,
        seed,
      ),
      dims,
    );
  }
  return feeds;
}
