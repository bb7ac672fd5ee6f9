import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCE, backendName, initBackend } from './backend.js';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('backend selection', () => {
  it('rejects an unknown backend by name, listing the choices', async () => {
    await expect(initBackend('metal')).rejects.toThrow(/unknown backend "metal"; choose one of tfjs-node-gpu, tfjs-node, wasm, cpu/);
  });

  it('says so when a forced native backend is not installed', async () => {
    const attempt = initBackend('tfjs-node');
    if (installed('@tensorflow/tfjs-node')) await expect(attempt).resolves.toBe('tfjs-node');
    else await expect(attempt).rejects.toThrow(/backend "tfjs-node" is not available on this machine/);
  });

  it('picks the first backend that loads, in order of preference, and reports it', async () => {
    const chosen = await initBackend('');
    const expected = installed('@tensorflow/tfjs-node-gpu') ? 'tfjs-node-gpu' : installed('@tensorflow/tfjs-node') ? 'tfjs-node' : 'wasm';
    expect(chosen).toBe(expected);
    expect(backendName()).toBe(chosen);
    expect(BACKEND_PREFERENCE.indexOf(chosen)).toBeLessThanOrEqual(2);
    expect(tf.getBackend()).toBe(chosen === 'wasm' ? 'wasm' : 'tensorflow');
  });
});
