import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ForwardContext } from '../block.js';
import type { GPT2Config } from '../config.js';
import { dropoutMasks } from '../dropoutMask.js';
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
  const sites = session.inputNames.filter((name) => name.startsWith(PREFIX)).map((name) => Number(name.slice(PREFIX.length)));
  const dims = sites.map((site) => (isAttentionSite(site) ? [B, config.nHead, T, T] : [B, T, config.nEmbd]));
  const requests = sites.map((site, i) => {
    const seed = ctx.seed(site);
    if (seed === null) throw new Error(`the graph drops at site ${site}, where this step has no dropout`);
    return { size: dims[i].reduce((a, b) => a * b), seed };
  });
  const masks = dropoutMasks(requests, ctx.dropout);
  return Object.fromEntries(sites.map((site, i) => [maskInput(site), new ort.Tensor('uint8', masks[i], dims[i])]));
}
