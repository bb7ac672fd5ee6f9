import { z } from 'zod';
import type { PresetName } from '../../common/modelSpec.js';
import { WorkbenchError } from '../errors.js';

const positiveInt = z.number().int().positive();

/** The shape of a GPT-2 model, as in nanoGPT's GPTConfig (the schema reads it back from saved files). */
export const GPT2ConfigSchema = z.object({
  vocabSize: positiveInt,
  nPositions: positiveInt,
  nEmbd: positiveInt,
  nLayer: positiveInt,
  nHead: positiveInt,
  layerNormEpsilon: z.number().positive(),
});
export type GPT2Config = z.infer<typeof GPT2ConfigSchema>;

export const GPT2_VOCAB_SIZE = 50257;

const base = { vocabSize: GPT2_VOCAB_SIZE, nPositions: 1024, layerNormEpsilon: 1e-5 };

export const PRESETS: Record<PresetName, GPT2Config> = {
  'gpt2-small': { ...base, nLayer: 12, nHead: 12, nEmbd: 768 }, // 124M
  'gpt2-medium': { ...base, nLayer: 24, nHead: 16, nEmbd: 1024 }, // 355M
  'gpt2-large': { ...base, nLayer: 36, nHead: 20, nEmbd: 1280 }, // 774M
  'gpt2-xl': { ...base, nLayer: 48, nHead: 25, nEmbd: 1600 }, // 1558M
};

/** Hugging Face repository of each preset's released weights. */
export const PRESET_REPOS: Record<PresetName, string> = {
  'gpt2-small': 'openai-community/gpt2',
  'gpt2-medium': 'openai-community/gpt2-medium',
  'gpt2-large': 'openai-community/gpt2-large',
  'gpt2-xl': 'openai-community/gpt2-xl',
};

export function customConfig(c: { nLayer: number; nEmbd: number; nHead: number; nPositions?: number }): GPT2Config {
  return validateConfig({ ...base, nPositions: c.nPositions ?? 1024, nLayer: c.nLayer, nEmbd: c.nEmbd, nHead: c.nHead });
}

export function validateConfig(c: GPT2Config): GPT2Config {
  for (const key of ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead'] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0)
      throw new WorkbenchError(`model config: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.nEmbd % c.nHead !== 0) throw new WorkbenchError(`model config: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  for (const [key, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    if (c[key] > max) throw new WorkbenchError(`model config: ${key} ${c[key]} is more than this workbench handles (at most ${max})`);
  }
  const parameters = (c.vocabSize + c.nPositions) * c.nEmbd + c.nLayer * (12 * c.nEmbd ** 2 + 13 * c.nEmbd) + 2 * c.nEmbd;
  if (parameters > MAX_PARAMETERS) {
    throw new WorkbenchError(
      `model config: ${parameters.toExponential(2)} parameters, more than this workbench handles (at most ${MAX_PARAMETERS.toExponential(0)})`,
    );
  }
  return c;
}

/*
 * Bounds well above GPT-2 XL (48 layers, 1600 wide, 1.6e9 parameters): a config from a damaged or
 * crafted file must fail with a message, not allocate memory without end.
 */
const LIMITS = { vocabSize: 1_000_000, nPositions: 65_536, nEmbd: 16_384, nLayer: 512, nHead: 1024 } as const;
const MAX_PARAMETERS = 4e9;

/** Reads a Hugging Face GPT-2 `config.json` object. */
export function configFromHf(json: unknown, source = 'config.json'): GPT2Config {
  if (typeof json !== 'object' || json === null) throw new WorkbenchError(`${source}: not a JSON object`);
  const j = json as Record<string, unknown>;
  const num = (key: string, fallback?: number): number => {
    const v = j[key] ?? fallback;
    if (typeof v !== 'number') throw new WorkbenchError(`${source}: missing numeric "${key}"`);
    return v;
  };
  if (j.model_type !== undefined && j.model_type !== 'gpt2')
    throw new WorkbenchError(`${source}: model_type is "${String(j.model_type)}", expected "gpt2"`);
  const act = j.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new WorkbenchError(`${source}: activation_function "${String(act)}" is not supported (GPT-2 uses gelu_new)`);
  }
  return validateConfig({
    vocabSize: num('vocab_size'),
    nPositions: num('n_positions', j.n_ctx as number | undefined),
    nEmbd: num('n_embd'),
    nLayer: num('n_layer'),
    nHead: num('n_head'),
    layerNormEpsilon: num('layer_norm_epsilon', 1e-5),
  });
}

/** The inverse of configFromHf, for config.json files we write next to weights. */
export function configToHf(c: GPT2Config): Record<string, unknown> {
  return {
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    layer_norm_epsilon: c.layerNormEpsilon,
  };
}
