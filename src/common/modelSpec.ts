import { z } from 'zod';

/** The GPT-2 sizes OpenAI released (124M, 355M, 774M, 1558M parameters). */
export const PRESET_NAMES = ['gpt2-small', 'gpt2-medium', 'gpt2-large', 'gpt2-xl'] as const;
export const PresetNameSchema = z.enum(PRESET_NAMES);
export type PresetName = z.infer<typeof PresetNameSchema>;

/** Which position's hidden state feeds the classification head. */
export const PoolingSchema = z.enum(['last-position', 'last-token', 'mean']);
export type Pooling = z.infer<typeof PoolingSchema>;

/** Which parameters are trained; everything else stays frozen. */
export const TrainableSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('head') }),
  z.object({ kind: z.literal('head+norm') }),
  z.object({ kind: z.literal('last'), blocks: z.number().int().min(1) }),
  z.object({ kind: z.literal('all') }),
  // blocks: adapters on the last N blocks only (the frozen blocks below are cached); absent: on every block.
  z.object({
    kind: z.literal('lora'),
    rank: z.number().int().min(1),
    alpha: z.number().positive(),
    blocks: z.number().int().min(1).optional(),
  }),
]);
export type Trainable = z.infer<typeof TrainableSchema>;

/** The book's choice: the last transformer block, the final layer norm and the head. */
export const BOOK_TRAINABLE: Trainable = { kind: 'last', blocks: 1 };

/** Parses the CLI/short form: head | head+norm | last-N | all | lora:RANK,ALPHA[,last-N]. */
export function parseTrainable(text: string): Trainable {
  if (text === 'head' || text === 'head+norm' || text === 'all') return { kind: text };
  const last = /^last-(\d+)$/.exec(text);
  if (last) return TrainableSchema.parse({ kind: 'last', blocks: Number(last[1]) });
  const lora = /^lora:(\d+),([\d.]+)(?:,last-(\d+))?$/.exec(text);
  if (lora) {
    const blocks = lora[3] === undefined ? {} : { blocks: Number(lora[3]) };
    return TrainableSchema.parse({ kind: 'lora', rank: Number(lora[1]), alpha: Number(lora[2]), ...blocks });
  }
  throw new Error(`trainable "${text}" is not one of head, head+norm, last-N, all, lora:RANK,ALPHA, lora:RANK,ALPHA,last-N`);
}

/** The short form parseTrainable reads: "last-2", "lora:8,16", "lora:8,16,last-1". */
export function formatTrainable(t: Trainable): string {
  switch (t.kind) {
    case 'last':
      return `last-${t.blocks}`;
    case 'lora':
      return `lora:${t.rank},${t.alpha}${t.blocks === undefined ? '' : `,last-${t.blocks}`}`;
    default:
      return t.kind;
  }
}
