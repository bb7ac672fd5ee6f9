import { describe, expect, it } from 'vitest';
import { decideDevice, sessionOptions, type CudaProbe } from './device.js';

/* The device decision alone: WORKBENCH_DEVICE × whether CUDA loaded (test/onnxDevice.test.ts probes this machine). */

const loaded: CudaProbe = { loaded: true };
const missing: CudaProbe = { loaded: false, reason: 'no libonnxruntime_providers_cuda.so' };

describe('decideDevice', () => {
  it.each([
    ['unset', undefined, loaded, { device: 'cuda', reason: null }],
    ['unset', undefined, missing, { device: 'cpu', reason: 'CUDA did not load: no libonnxruntime_providers_cuda.so' }],
    ['empty', '', loaded, { device: 'cuda', reason: null }],
    ['empty', '', missing, { device: 'cpu', reason: 'CUDA did not load: no libonnxruntime_providers_cuda.so' }],
    ['cuda', 'cuda', loaded, { device: 'cuda', reason: null }],
    ['cpu', 'cpu', loaded, { device: 'cpu', reason: null }],
    ['cpu', 'cpu', missing, { device: 'cpu', reason: null }],
    ['cpu', 'cpu', null, { device: 'cpu', reason: null }],
  ] as const)('WORKBENCH_DEVICE %s, CUDA %o → %o', (_, asked, cuda, expected) => {
    expect(decideDevice(asked, cuda)).toEqual(expected);
  });

  it('asking for cuda where it does not load is an error that says why, not a silent fallback', () => {
    expect(() => decideDevice('cuda', missing)).toThrow(
      'WORKBENCH_DEVICE=cuda, but CUDA did not load: no libonnxruntime_providers_cuda.so',
    );
  });

  it('an unknown device is refused with the choices, whatever loaded', () => {
    for (const cuda of [loaded, missing]) {
      expect(() => decideDevice('gpu', cuda)).toThrow('unknown device "gpu" in WORKBENCH_DEVICE; choose one of cpu, cuda');
    }
  });
});

describe('sessionOptions', () => {
  it('puts CUDA first with the CPU behind it for what CUDA has no kernel for; the CPU alone otherwise', () => {
    expect(sessionOptions('cuda', 2).executionProviders).toEqual([{ name: 'cuda', deviceId: 0 }, 'cpu']);
    expect(sessionOptions('cpu', 2)).toEqual({ intraOpNumThreads: 2, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
  });
});
