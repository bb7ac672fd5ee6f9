import { encode } from 'gpt-tokenizer/encoding/r50k_base';

/** GPT-2's byte-pair encoding (tiktoken's r50k_base). */
export const TOKENIZER_NAME = 'r50k_base';
/** GPT-2's <|endoftext|> id, which the book also pads with. */
export const GPT2_EOS = 50256;
export const PAD_TOKEN = GPT2_EOS;

export function tokenize(text: string): number[] {
  // A message that happens to contain "<|endoftext|>" is text, not a control token (and not an error).
  return encode(text, { disallowedSpecial: new Set() });
}
