import { decode, encode } from 'gpt-tokenizer/encoding/r50k_base';
import { GPT2_EOS } from '../model/config.js';

/** GPT-2's byte-pair encoding (tiktoken's r50k_base). */
export const TOKENIZER_NAME = 'r50k_base';
export const PAD_TOKEN = GPT2_EOS;

export function tokenize(text: string): number[] {
  // allowedSpecial: a message that happens to contain "<|endoftext|>" is text, not a control token.
  return encode(text, { disallowedSpecial: new Set() });
}

export function detokenize(ids: number[]): string {
  return decode(ids);
}

/** Truncates to maxLength; pads with the pad token up to padTo (when given). */
export function encodeFixed(text: string, maxLength: number, padTo?: number): { ids: number[]; length: number } {
  const ids = tokenize(text).slice(0, maxLength);
  const length = ids.length;
  while (padTo !== undefined && ids.length < padTo) ids.push(PAD_TOKEN);
  return { ids, length };
}
