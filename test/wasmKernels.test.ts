import { describe, expect, it } from 'vitest';
import { compileKernel, KERNELS } from '../scripts/build-wasm.mjs';
import { DROPOUT_KERNEL_WASM } from '../src/core/model/dropoutKernel.js';
import { ADAMW_KERNEL_WASM } from '../src/core/train/adamWKernel.js';

const committed: Record<string, string> = { DROPOUT_KERNEL_WASM, ADAMW_KERNEL_WASM };

describe('the WebAssembly kernels', () => {
  it('are every kernel the build compiles', () => {
    expect(KERNELS.map((k) => k.constant).sort()).toEqual(Object.keys(committed).sort());
  });

  it.each(KERNELS)('$target is the compiled $source, byte for byte (run `npm run build:wasm` after changing it)', async (kernel) => {
    const compiled = await compileKernel(kernel);
    expect(Buffer.from(committed[kernel.constant], 'base64').equals(Buffer.from(compiled))).toBe(true);
  });
});
