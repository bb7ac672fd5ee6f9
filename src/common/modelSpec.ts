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
  z.object({ kind: z.literal('lora'), rank: z.number().int().min(1), alpha: z.number().positive() }),
]);
export type Trainable = z.infer<typeof TrainableSchema>;

/** The book's choice: the last transformer block, the final layer norm and the head. */
export const BOOK_TRAINABLE: Trainable = { kind: 'last', blocks: 1 };

/** Parses the CLI/short form: head | head+norm | last-N | all | lora:RANK,ALPHA. */
export function parseTrainable(text: string): Trainable {
  if (text === 'head' || text === 'head+norm' || text === 'all') return { kind: text };
  const last = /^last-(\d+)$/.exec(text);
  if (last) return TrainableSchema.parse({ kind: 'last', blocks: Number(last[1]) });
  const lora = /^lora:(\d+),([\d.]+)$/.exec(text);
  if (lora) return TrainableSchema.parse({ kind: 'lora', rank: Number(lora[1]), alpha: Number(lora[2]) });
  throw new Error(`trainable "${text}" is not one of head, head+norm, last-N, all, lora:RANK,ALPHA`);
}
