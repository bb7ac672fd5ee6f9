import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/errors.js';
import { sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
import type { TensorMap } from './tensorMap.js';

const dir = tempDir('safetensors-test-');

/** A safetensors file from a raw header (object or literal text) and data bytes. */
async function rawFile(name: string, header: unknown, data: Uint8Array = new Uint8Array()): Promise<string> {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat([length, json, data]));
  return file;
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe('reading real checkpoints', () => {
  it('reads the transformers-written tiny GPT-2 header in file order', async () => {
    const file = sharedPath('fixtures/hf-tiny-gpt2/model.safetensors');
    const header = await readSafetensorsHeader(file);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.entries).toHaveLength(2 + 2 * 12 + 2);
    expect(header.entries[0]).toEqual({ name: 'transformer.h.0.attn.c_attn.bias', dtype: 'F32', shape: [6], dataOffsets: [0, 24] });
    expect(header.entries.at(-1)).toMatchObject({ name: 'transformer.wte.weight', shape: [50257, 2] });
    expect(header.dataStart % 8).toBe(0);
  });

  it('reads tensors whose header order differs from their data order, and honours the filter', async () => {
    const file = sharedPath('fixtures/golden/golden-gpt2.safetensors');
    const { tensors } = await readSafetensors(file, { filter: (name) => name.startsWith('ln_f.') || name === 'h.0.attn.bias' });
    expect([...tensors.keys()]).toEqual(['h.0.attn.bias', 'ln_f.weight', 'ln_f.bias']);
    const mask = tensors.get('h.0.attn.bias')!;
    expect(mask.shape).toEqual([1, 1, 256, 256]);
    // The causal mask: ones on and below the diagonal.
    expect([mask.data[0], mask.data[1], mask.data[256], mask.data[257]]).toEqual([1, 0, 1, 1]);
    // Cross-check against the raw bytes at the header's offsets.
    const header = await readSafetensorsHeader(file);
    const entry = header.entries.find((e) => e.name === 'ln_f.bias')!;
    const raw = (await readFile(file)).subarray(header.dataStart + entry.dataOffsets[0], header.dataStart + entry.dataOffsets[1]);
    expect(tensors.get('ln_f.bias')!.data).toEqual(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  });
});

describe('writeSafetensors', () => {
  it('round-trips sorted, 8-byte aligned, with metadata', async () => {
    const tensors: TensorMap = new Map([
      ['b', { shape: [3], data: new Float32Array([1, 2, 3]) }],
      ['a', { shape: [2, 2], data: new Float32Array([-1, 0.5, 1e-30, Infinity]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const file = path.join(dir, 'round-trip.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode' });

    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    expect(
      bytes
        .subarray(8, 8 + headerLength)
        .toString()
        .trimEnd()
        .endsWith('}'),
    ).toBe(true);
    const { tensors: back, metadata } = await readSafetensors(file, { nonFinite: 'allow' });
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect([...back.keys()]).toEqual(['a', 'b', 'empty']);
    for (const [name, tensor] of tensors) expect(back.get(name)).toEqual(tensor);
    expect(await readdir(dir)).not.toContain(expect.stringContaining('.tmp-'));
  });

  it('replaces an existing file', async () => {
    const file = path.join(dir, 'replace.safetensors');
    await writeSafetensors(file, new Map([['x', { shape: [1], data: new Float32Array([1]) }]]));
    await writeSafetensors(file, new Map([['y', { shape: [1], data: new Float32Array([2]) }]]));
    expect([...(await readSafetensors(file)).tensors.keys()]).toEqual(['y']);
  });

  it('refuses a tensor whose data does not fit its shape', async () => {
    const file = path.join(dir, 'bad-shape.safetensors');
    const err = await errorOf(writeSafetensors(file, new Map([['w', { shape: [2, 3], data: new Float32Array(5) }]])));
    expect(err.message).toContain(file);
    expect(err.message).toContain('"w" has 5 values, but shape [2, 3] needs 6');
    expect(existsSync(file)).toBe(false);
  });

  it('names the path and cause when the folder does not exist, leaving no temp file', async () => {
    const file = path.join(dir, 'no-such-folder', 'x.safetensors');
    const err = await errorOf(writeSafetensors(file, new Map()));
    expect(err.message).toBe(`cannot write ${file}: no such file or directory (ENOENT)`);
  });
});

describe('half-precision dtypes', () => {
  /** Reference float16 decoding by arithmetic, independent of the bit-twiddling under test. */
  function float16Reference(h: number): number {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) return sign * fraction * 2 ** -24;
    if (exponent === 31) return fraction ? NaN : sign * Infinity;
    return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }

  it('converts every F16 bit pattern (normals, subnormals, ±0, ±inf, nan) exactly', async () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const file = await rawFile(
      'all-f16.safetensors',
      { all: { dtype: 'F16', shape: [256, 256], data_offsets: [0, 131072] } },
      new Uint8Array(all.buffer),
    );
    const { data } = (await readSafetensors(file, { nonFinite: 'allow' })).tensors.get('all')!;
    for (let h = 0; h < 65536; h++) {
      if (!Object.is(data[h], float16Reference(h))) throw new Error(`0x${h.toString(16)}: got ${data[h]}, expected ${float16Reference(h)}`);
    }
    expect([data[0x3c00], data[0xc000], data[0x7bff], data[0x0001], data[0x03ff], data[0x0400]]).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
    ]);
    expect([data[0x7c00], data[0xfc00], Object.is(data[0x8000], -0), Number.isNaN(data[0x7e00])]).toEqual([
      Infinity,
      -Infinity,
      true,
      true,
    ]);
  });

  it('converts BF16 as the top half of a float32', async () => {
    const values = [1, -2.5, 3.140625, -0, Infinity, 1e-40];
    const asFloat32Bits = new Uint32Array(new Float32Array(values).buffer);
    const bf16 = Uint16Array.from(asFloat32Bits, (bits) => bits >>> 16);
    const file = await rawFile(
      'bf16.safetensors',
      { v: { dtype: 'BF16', shape: [6], data_offsets: [0, 12] } },
      new Uint8Array(bf16.buffer),
    );
    const { data } = (await readSafetensors(file, { nonFinite: 'allow' })).tensors.get('v')!;
    expect(Array.from(data)).toEqual(Array.from(new Float32Array(new Uint32Array(Array.from(bf16, (b) => b << 16)).buffer)));
    expect(Array.from(data.subarray(0, 5))).toEqual([1, -2.5, 3.140625, -0, Infinity]);
  });
});

describe('validation', () => {
  it('refuses NaN and Infinity in weights, naming the tensor, unless told to allow them', async () => {
    const file = path.join(dir, 'nan.safetensors');
    await writeSafetensors(
      file,
      new Map([
        ['ok', { shape: [2], data: new Float32Array([1, 2]) }],
        ['w', { shape: [3], data: new Float32Array([0, NaN, 1]) }],
      ]),
    );
    expect((await errorOf(readSafetensors(file))).message).toBe(
      `${file}: tensor "w" holds NaN (value 1): the weights are damaged, e.g. by a training run that diverged`,
    );
    await writeSafetensors(file, new Map([['w', { shape: [2], data: new Float32Array([-Infinity, 0]) }]]));
    expect((await errorOf(readSafetensors(file))).message).toContain('tensor "w" holds -Infinity (value 0)');
    expect((await readSafetensors(file, { nonFinite: 'allow' })).tensors.get('w')!.data[0]).toBe(-Infinity);
  });

  it('rejects a file shorter than 8 bytes', async () => {
    const file = path.join(dir, 'tiny.safetensors');
    await writeFile(file, Buffer.from([1, 2, 3]));
    expect((await errorOf(readSafetensors(file))).message).toBe(`${file}: not a safetensors file (too short)`);
  });

  it('rejects a header length larger than the file', async () => {
    const file = path.join(dir, 'long-header.safetensors');
    const bytes = Buffer.alloc(20);
    bytes.writeBigUInt64LE(1000n);
    await writeFile(file, bytes);
    const err = await errorOf(readSafetensorsHeader(file));
    expect(err.message).toContain(file);
    expect(err.message).toContain('its header length is larger than the file');
  });

  it('rejects a header that is not JSON, or not an object', async () => {
    const garbage = await rawFile('garbage.safetensors', '<html>404</html>');
    expect((await errorOf(readSafetensorsHeader(garbage))).message).toBe(
      `${garbage}: not a safetensors file (its header is not valid JSON)`,
    );
    const array = await rawFile('array.safetensors', '[1, 2]');
    expect((await errorOf(readSafetensorsHeader(array))).message).toBe(
      `${array}: not a safetensors file (its header is not a JSON object)`,
    );
  });

  it.each([
    ['no dtype', { shape: [1], data_offsets: [0, 4] }, 'missing "dtype"'],
    ['no shape', { dtype: 'F32', data_offsets: [0, 4] }, 'missing or invalid "shape"'],
    ['no offsets', { dtype: 'F32', shape: [1] }, 'missing or invalid "data_offsets"'],
    ['reversed offsets', { dtype: 'F32', shape: [1], data_offsets: [4, 0] }, 'data_offsets [4, 0] end before they begin'],
    ['size mismatch', { dtype: 'F32', shape: [2], data_offsets: [0, 4] }, 'data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8'],
    ['unknown dtype', { dtype: 'F99', shape: [1], data_offsets: [0, 4] }, 'unknown dtype "F99"'],
  ])('rejects an entry with %s, naming the tensor', async (label, entry, message) => {
    const file = await rawFile(`entry-${label.replace(/ /g, '-')}.safetensors`, { w: entry }, f32([1]));
    expect((await errorOf(readSafetensorsHeader(file))).message).toBe(`${file}: tensor "w": ${message}`);
  });

  it('rejects overlapping tensors and gaps between tensors', async () => {
    const overlap = await rawFile(
      'overlap.safetensors',
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      f32([1, 2, 3]),
    );
    expect((await errorOf(readSafetensorsHeader(overlap))).message).toBe(
      `${overlap}: tensor "b" overlaps another tensor (data_offsets start at 4, before 8)`,
    );
    const gap = await rawFile('gap.safetensors', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32([1, 2]));
    expect((await errorOf(readSafetensorsHeader(gap))).message).toBe(`${gap}: gap before tensor "a" (data_offsets start at 4, expected 0)`);
  });

  it('reports a truncated download with expected and actual size', async () => {
    const original = await readFile(sharedPath('fixtures/hf-tiny-gpt2/model.safetensors'));
    const file = path.join(dir, 'truncated.safetensors');
    await writeFile(file, original.subarray(0, 100_000));
    const err = await errorOf(readSafetensors(file));
    expect(err.message).toContain(`${file}: truncated: expected ${original.length} bytes, file has 100000`);
  });

  it('rejects trailing bytes after the data', async () => {
    const file = await rawFile('trailing.safetensors', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1, 2]));
    const size = (await stat(file)).size;
    expect((await errorOf(readSafetensorsHeader(file))).message).toBe(
      `${file}: corrupt: its header describes ${size - 4} bytes, but the file has ${size}`,
    );
  });

  it('rejects unsupported dtypes when read, but lets a filter skip them', async () => {
    const file = await rawFile(
      'i64.safetensors',
      {
        ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] },
        w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      },
      new Uint8Array(16),
    );
    expect((await errorOf(readSafetensors(file))).message).toBe(`${file}: tensor "ids" has dtype I64; only F32, F16 and BF16 can be read`);
    expect([...(await readSafetensors(file, { filter: (n) => n !== 'ids' })).tensors.keys()]).toEqual(['w']);
  });

  it('rejects metadata that is not a string map', async () => {
    const file = await rawFile('meta.safetensors', { __metadata__: { epochs: 3 } });
    expect((await errorOf(readSafetensorsHeader(file))).message).toBe(`${file}: "__metadata__" must map strings to strings`);
  });

  it('names the path of a missing file', async () => {
    const file = path.join(dir, 'nope.safetensors');
    expect((await errorOf(readSafetensors(file))).message).toBe(`cannot read ${file}: no such file or directory (ENOENT)`);
  });
});
