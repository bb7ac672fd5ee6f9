import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../src/core/model/safetensors.js';
import { okOrOneLineError, runs } from '../support/fuzz.js';
import { tempDir } from '../support/tempDir.js';

/* The safetensors reader on damaged, crafted and random files. */

const dir = tempDir('safetensors-fuzz-');
const file = path.join(dir, 'case.safetensors');
let valid: Buffer;

beforeAll(async () => {
  const good = path.join(dir, 'good.safetensors');
  await writeSafetensors(
    good,
    new Map([
      ['wte.weight', { shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) }],
      ['ln_f.bias', { shape: [3], data: new Float32Array([1, -1, 0.5]) }],
    ]),
    { format: 'pt' },
  );
  valid = readFileSync(good);
});

/** Writes the bytes and reads them both ways: header only, and every tensor. */
async function readFile(bytes: Uint8Array): Promise<void> {
  writeFileSync(file, bytes);
  await okOrOneLineError(() => readSafetensorsHeader(file));
  await okOrOneLineError(() => readSafetensors(file));
}

/** A header as a crafted file could have it: any dtype, shapes and offsets up to absurd sizes. */
const count = fc.oneof(fc.nat(20), fc.constantFrom(2 ** 31, 2 ** 53, 1e300, -1, 1.5));
const entry = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'F64', 'BOOL'), fc.string({ maxLength: 4 })),
  shape: fc.oneof(fc.array(count, { maxLength: 4 }), fc.jsonValue()),
  data_offsets: fc.oneof(fc.tuple(count, count), fc.jsonValue()),
});
const name = fc.oneof(fc.constantFrom('wte.weight', '__metadata__', 'a\nb', ''), fc.string({ maxLength: 8 }));
const header = fc.dictionary(name, fc.oneof(entry, fc.jsonValue()), { maxKeys: 4 });

function withHeader(json: unknown, data: Uint8Array, lengthDelta: bigint): Uint8Array {
  const text = Buffer.from(JSON.stringify(json) ?? 'null');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt.asUintN(64, BigInt(text.length) + lengthDelta));
  return Buffer.concat([length, text, data]);
}

describe('fuzzing the safetensors reader', () => {
  it('a valid file with bytes flipped, cut short or extended', async () => {
    const damage = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
      keep: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 16 }),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ flips, keep, extra }) => {
        const bytes = Buffer.from(valid);
        for (const [at, x] of flips) bytes[at % bytes.length] ^= x;
        const cut = keep === undefined ? bytes : bytes.subarray(0, keep % (bytes.length + 1));
        await readFile(Buffer.concat([cut, extra]));
      }),
      { numRuns: runs(1500) },
    );
  });

  it('crafted headers (absurd shapes and offsets, wrong types, lying lengths) over a little data', async () => {
    const lengthDelta = fc.constantFrom(0n, 0n, 0n, 1n, -1n, 2n ** 40n, 2n ** 63n);
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 64 }), lengthDelta, (json, data, delta) =>
        readFile(withHeader(json, data, delta)),
      ),
      { numRuns: runs(1500) },
    );
  });

  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), readFile), { numRuns: runs(500) });
  });
});
