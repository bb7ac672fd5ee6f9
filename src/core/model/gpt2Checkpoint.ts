import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import { configFromHf, type GPT2Config } from './config.js';
import { readSafetensors, readSafetensorsHeader, type SafetensorsEntry } from './safetensors.js';
import type { TensorMap } from './tensorMap.js';

/** Prefix of the parameter names in checkpoints saved from transformers' GPT2LMHeadModel. */
const HF_PREFIX = 'transformer.';
/** Causal-mask buffers stored by older checkpoints: constants we rebuild, not parameters. */
const MASK_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;
/** GPT-2's LM head shares its matrix with wte, so a stored copy carries nothing we need. */
const TIED_LM_HEAD = 'lm_head.weight';

/**
 * Our parameter names (Hugging Face's, without "transformer.") and shapes, Conv1D weights as
 * [in, out] (y = x·W + b), in a stable order: wte, wpe, the blocks in order, ln_f.
 */
export function gpt2ParameterShapes(config: GPT2Config): Map<string, number[]> {
  const { vocabSize: V, nPositions: P, nEmbd: C } = config;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [V, C]],
    ['wpe.weight', [P, C]],
  ]);
  for (let i = 0; i < config.nLayer; i++) {
    const block: [string, number[]][] = [
      ['ln_1.weight', [C]],
      ['ln_1.bias', [C]],
      ['attn.c_attn.weight', [C, 3 * C]],
      ['attn.c_attn.bias', [3 * C]],
      ['attn.c_proj.weight', [C, C]],
      ['attn.c_proj.bias', [C]],
      ['ln_2.weight', [C]],
      ['ln_2.bias', [C]],
      ['mlp.c_fc.weight', [C, 4 * C]],
      ['mlp.c_fc.bias', [4 * C]],
      ['mlp.c_proj.weight', [4 * C, C]],
      ['mlp.c_proj.bias', [C]],
    ];
    for (const [name, shape] of block) shapes.set(`h.${i}.${name}`, shape);
  }
  shapes.set('ln_f.weight', [C]);
  shapes.set('ln_f.bias', [C]);
  return shapes;
}

/**
 * Loads a GPT-2 checkpoint in Hugging Face naming (with or without the "transformer." prefix),
 * checking every parameter against the config before reading any data.
 */
export async function loadGpt2Checkpoint(
  weightsPath: string,
  opts: { config?: GPT2Config; configPath?: string } = {},
): Promise<{ config: GPT2Config; tensors: TensorMap }> {
  // The weights file first: a missing or damaged file is the problem to report, not its config.
  const header = await readSafetensorsHeader(weightsPath);
  const config = opts.config ?? (await readGpt2ConfigFile(opts.configPath ?? (await findConfigFile(weightsPath))));
  const expected = gpt2ParameterShapes(config);
  const stored = parametersByName(header.entries, weightsPath);
  const sources = matchParameters(stored, expected, config, weightsPath);
  const wanted = new Set(sources.values());
  const { tensors: read } = await readSafetensors(weightsPath, { filter: (name) => wanted.has(name) });
  const tensors: TensorMap = new Map();
  for (const [name, storedName] of sources) tensors.set(name, read.get(storedName)!); // read: it passed the filter
  return { config, tensors };
}

/** Reads and validates a Hugging Face GPT-2 config.json. */
export async function readGpt2ConfigFile(configPath: string): Promise<GPT2Config> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (err) {
    throw new WorkbenchError(`cannot read model config ${configPath}: ${describeCause(err)}`, { cause: err });
  }
  try {
    return configFromHf(JSON.parse(text), configPath);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError(`${configPath}: not valid JSON`, { cause: err });
  }
}

/** The checkpoint's own "<name>.config.json" wins over a folder-wide "config.json". */
async function findConfigFile(weightsPath: string): Promise<string> {
  const folder = path.dirname(weightsPath);
  const candidates = [path.join(folder, `${path.basename(weightsPath, '.safetensors')}.config.json`), path.join(folder, 'config.json')];
  for (const candidate of candidates) {
    if (await exists(candidate)) return candidate;
  }
  throw new WorkbenchError(
    `${weightsPath}: no model config found (looked for ${candidates.join(' and ')}); put the checkpoint's config.json next to it`,
  );
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Maps our parameter names to the stored entries, dropping mask buffers and the tied LM head. */
function parametersByName(entries: SafetensorsEntry[], weightsPath: string): Map<string, SafetensorsEntry> {
  const byName = new Map<string, SafetensorsEntry>();
  for (const entry of entries) {
    const name = entry.name.startsWith(HF_PREFIX) ? entry.name.slice(HF_PREFIX.length) : entry.name;
    if (MASK_BUFFER.test(name) || name === TIED_LM_HEAD) continue;
    const twin = byName.get(name);
    if (twin)
      throw new WorkbenchError(
        `${weightsPath}: tensor ${JSON.stringify(name)} is stored twice (${JSON.stringify(twin.name)} and ${JSON.stringify(entry.name)})`,
      );
    byName.set(name, entry);
  }
  return byName;
}

/** Checks names and shapes against the config; returns our name → stored name, in our order. */
function matchParameters(
  stored: Map<string, SafetensorsEntry>,
  expected: Map<string, number[]>,
  config: GPT2Config,
  weightsPath: string,
): Map<string, string> {
  const model = `a GPT-2 with ${config.nLayer} layers, n_embd ${config.nEmbd}, vocab ${config.vocabSize}, n_positions ${config.nPositions}`;
  const sources = new Map<string, string>();
  for (const [name, shape] of expected) {
    const entry = stored.get(name);
    if (!entry) throw new WorkbenchError(`${weightsPath}: missing tensor ${JSON.stringify(name)} (expected for ${model})`);
    if (!sameShape(entry.shape, shape)) {
      throw new WorkbenchError(
        `${weightsPath}: tensor ${JSON.stringify(entry.name)} has shape [${entry.shape.join(', ')}], expected [${shape.join(', ')}] for ${model}`,
      );
    }
    sources.set(name, entry.name);
  }
  const unknown = [...stored].filter(([name]) => !expected.has(name)).map(([, entry]) => `${JSON.stringify(entry.name)}`);
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    throw new WorkbenchError(`${weightsPath}: unexpected tensors ${shown} (not part of ${model}; is the config right?)`);
  }
  return sources;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
