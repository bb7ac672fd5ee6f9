import { describe, expect, it } from 'vitest';
import { compileDropoutKernel } from '../../../scripts/build-wasm.mjs';
import { DROPOUT_KERNEL_WASM } from './dropoutKernel.js';

describe('the dropout kernel', () => {
  it('is the compiled assembly/dropoutMasks.ts, byte for byte (run `npm run build:wasm` after changing it)', async () => {
    const compiled = await compileDropoutKernel();
    expect(Buffer.from(DROPOUT_KERNEL_WASM, 'base64').equals(Buffer.from(compiled))).toBe(true);
  });
});
