import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageOf } from '../../../test/support/errors.js';
import { sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { configToHf, PRESETS, type GPT2Config } from './config.js';
import { gpt2ParameterShapes, loadGpt2Checkpoint } from './gpt2Checkpoint.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { sizeOf, type TensorMap } from './tensorMap.js';

const TINY = sharedPath('fixtures/hf-tiny-gpt2/model.safetensors');
const TINY_CONFIG = sharedPath('fixtures/hf-tiny-gpt2/config.json');
const GOLDEN = sharedPath('fixtures/golden/golden-gpt2.safetensors');
const TINY_SHAPE: GPT2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 2, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 };

const dir = tempDir('hfnames-test-');

/** Writes a modified copy of the tiny fixture with its config.json into a folder of its own. */
async function tinyVariant(name: string, change: (tensors: TensorMap) => void): Promise<string> {
  const { tensors } = await readSafetensors(TINY);
  change(tensors);
  const folder = path.join(dir, name);
  await mkdir(folder);
  const file = path.join(folder, 'model.safetensors');
  await writeSafetensors(file, tensors);
  await copyFile(TINY_CONFIG, path.join(folder, 'config.json'));
  return file;
}

describe('gpt2ParameterShapes', () => {
  it('lists wte, wpe, the blocks in order and ln_f with Conv1D [in, out] shapes', () => {
    const shapes = gpt2ParameterShapes({ ...TINY_SHAPE, nEmbd: 4, nLayer: 2 });
    const names = [...shapes.keys()];
    expect(names.slice(0, 3)).toEqual(['wte.weight', 'wpe.weight', 'h.0.ln_1.weight']);
    expect(names.slice(-3)).toEqual(['h.1.mlp.c_proj.bias', 'ln_f.weight', 'ln_f.bias']);
    expect(names).toHaveLength(2 + 2 * 12 + 2);
    expect(shapes.get('wte.weight')).toEqual([50257, 4]);
    expect(shapes.get('wpe.weight')).toEqual([1024, 4]);
    expect(shapes.get('h.1.attn.c_attn.weight')).toEqual([4, 12]);
    expect(shapes.get('h.1.attn.c_attn.bias')).toEqual([12]);
    expect(shapes.get('h.0.attn.c_proj.weight')).toEqual([4, 4]);
    expect(shapes.get('h.0.mlp.c_fc.weight')).toEqual([4, 16]);
    expect(shapes.get('h.0.mlp.c_fc.bias')).toEqual([16]);
    expect(shapes.get('h.0.mlp.c_proj.weight')).toEqual([16, 4]);
    expect(shapes.get('h.0.mlp.c_proj.bias')).toEqual([4]);
  });

  it('counts the 124M parameters of GPT-2 small', () => {
    const total = [...gpt2ParameterShapes(PRESETS['gpt2-small']).values()].reduce((n, shape) => n + sizeOf(shape), 0);
    expect(total).toBe(124_439_808);
  });
});

describe('loadGpt2Checkpoint', () => {
  it('loads the transformers-written tiny GPT-2, stripping "transformer." and reading config.json beside it', async () => {
    const { config, tensors } = await loadGpt2Checkpoint(TINY);
    expect(config).toEqual(TINY_SHAPE);
    expect([...tensors.keys()]).toEqual([...gpt2ParameterShapes(config).keys()]);
    const raw = (await readSafetensors(TINY)).tensors;
    expect(tensors.get('h.1.mlp.c_fc.weight')).toEqual(raw.get('transformer.h.1.mlp.c_fc.weight'));
    // Whole-array toEqual on 100K floats is slow; compare the bytes.
    const [wte, rawWte] = [tensors.get('wte.weight')!, raw.get('transformer.wte.weight')!];
    expect(wte.shape).toEqual([50257, 2]);
    expect(Buffer.from(wte.data.buffer).equals(Buffer.from(rawWte.data.buffer))).toBe(true);
  });

  it('loads the golden checkpoint with its <name>.config.json, skipping the attn.bias buffers', async () => {
    const { config, tensors } = await loadGpt2Checkpoint(GOLDEN);
    expect(config).toEqual({ vocabSize: 50257, nPositions: 256, nEmbd: 64, nLayer: 3, nHead: 4, layerNormEpsilon: 1e-5 });
    expect(tensors.size).toBe(2 + 3 * 12 + 2);
    expect([...tensors.keys()].filter((n) => /^h\.\d+\.attn\.bias$/.test(n))).toEqual([]);
    const raw = (await readSafetensors(GOLDEN, { filter: (n) => n === 'h.2.attn.c_attn.bias' })).tensors;
    expect(tensors.get('h.2.attn.c_attn.bias')).toEqual(raw.get('h.2.attn.c_attn.bias'));
    expect(tensors.get('h.2.attn.c_attn.weight')!.shape).toEqual([64, 192]);
  });

  it('takes the config from opts.config or opts.configPath', async () => {
    expect((await loadGpt2Checkpoint(TINY, { config: TINY_SHAPE })).tensors.size).toBe(28);
    const elsewhere = path.join(dir, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify(configToHf(TINY_SHAPE)));
    expect((await loadGpt2Checkpoint(TINY, { configPath: elsewhere })).config).toEqual(TINY_SHAPE);
  });

  it('says where it looked when no config is found', async () => {
    const file = path.join(dir, 'lonely.safetensors');
    await copyFile(TINY, file);
    const message = await messageOf(loadGpt2Checkpoint(file));
    expect(message).toContain(`${file}: no model config found`);
    expect(message).toContain(path.join(dir, 'lonely.config.json'));
    expect(message).toContain(path.join(dir, 'config.json'));
  });

  it('drops a stored lm_head.weight even when it differs from wte (GPT-2 ties them)', async () => {
    const file = await tinyVariant('lm-head', (t) =>
      t.set('lm_head.weight', { shape: [50257, 2], data: new Float32Array(50257 * 2).fill(7) }),
    );
    const { tensors } = await loadGpt2Checkpoint(file);
    expect(tensors.has('lm_head.weight')).toBe(false);
    expect(tensors.get('wte.weight')!.data[0]).not.toBe(7);
  });

  it('names the file and tensor when a tensor is missing', async () => {
    const file = await tinyVariant('missing', (t) => t.delete('transformer.h.1.ln_2.bias'));
    expect(await messageOf(loadGpt2Checkpoint(file))).toBe(
      `${file}: missing tensor "h.1.ln_2.bias" (expected for a GPT-2 with 2 layers, n_embd 2, vocab 50257, n_positions 1024)`,
    );
  });

  it('names the file, tensor, expected and actual shape on a shape mismatch', async () => {
    const file = await tinyVariant('wrong-shape', (t) =>
      t.set('transformer.h.0.mlp.c_fc.weight', { shape: [8, 2], data: new Float32Array(16) }),
    );
    const message = await messageOf(loadGpt2Checkpoint(file));
    expect(message).toContain(`${file}: tensor "transformer.h.0.mlp.c_fc.weight" has shape [8, 2], expected [2, 8]`);
  });

  it('names unknown extra tensors', async () => {
    const file = await tinyVariant('extra', (t) => {
      t.set('transformer.h.2.ln_1.weight', { shape: [2], data: new Float32Array(2) });
      t.set('score.weight', { shape: [2, 2], data: new Float32Array(4) });
    });
    const message = await messageOf(loadGpt2Checkpoint(file));
    expect(message).toContain(`${file}: unexpected tensors "score.weight", "transformer.h.2.ln_1.weight"`);
    expect(message).toContain('is the config right?');
  });

  it('rejects a tensor stored both with and without the prefix', async () => {
    const file = await tinyVariant('twice', (t) => t.set('ln_f.bias', t.get('transformer.ln_f.bias')!));
    expect(await messageOf(loadGpt2Checkpoint(file))).toBe(
      `${file}: tensor "ln_f.bias" is stored twice ("ln_f.bias" and "transformer.ln_f.bias")`,
    );
  });

  it('passes on file-level errors such as truncation', async () => {
    const file = path.join(dir, 'cut.safetensors');
    const bytes = await readFile(TINY);
    await writeFile(file, bytes.subarray(0, 5000));
    expect(await messageOf(loadGpt2Checkpoint(file, { config: TINY_SHAPE }))).toContain(
      `${file}: truncated: expected ${bytes.length} bytes, file has 5000`,
    );
  });

  it('reports a broken config.json with its path', async () => {
    const file = await tinyVariant('bad-config', () => undefined);
    const configPath = path.join(path.dirname(file), 'config.json');
    await writeFile(configPath, '{ nope');
    expect(await messageOf(loadGpt2Checkpoint(file))).toBe(`${configPath}: not valid JSON`);
  });
});
