/*
 * Where dropout acts, numbered in forward order: the embeddings (0), then per block i its attention weights
 * (1 + 3i), the attention's projected output (2 + 3i) and the MLP's output (3 + 3i). A site's number alone
 * decides its seed at a step (train/schedule.ts), so the masks of a block are the same whichever part of the
 * model runs, on tfjs or ONNX Runtime, and a resumed run draws what an uninterrupted one would.
 */

import type { DropoutScope } from '../../common/runConfig.js';

export type BlockSite = 'attention' | 'projection' | 'mlp';

export const EMBEDDING_SITE = 0;

const OFFSET: Record<BlockSite, number> = { attention: 1, projection: 2, mlp: 3 };

export function blockSite(block: number, at: BlockSite): number {
  return 3 * block + OFFSET[at];
}

/** Whether a site drops attention weights [B, H, T, T]; the others drop hidden states [B, T, C]. */
export function isAttentionSite(site: number): boolean {
  return site !== EMBEDDING_SITE && (site - OFFSET.attention) % 3 === 0;
}

/**
 * The first site that drops (all above it do) when the embeddings and the first `frozen` blocks are frozen: under
 * `all` the embeddings' (the book's model.train()); under `trained` the first of block `frozen`'s, so the frozen
 * prefix never changes. With nothing frozen there is no prefix, and both scopes drop everywhere.
 */
export function firstDroppingSite(scope: DropoutScope, frozen: number): number {
  return scope === 'trained' && frozen > 0 ? blockSite(frozen, 'attention') : EMBEDDING_SITE;
}
