import { describe, expect, it } from 'vitest';
import { devServerUrl } from './rendererUrl.js';

describe('devServerUrl', () => {
  const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173' };

  it('uses ELECTRON_RENDERER_URL in development', () => {
    expect(devServerUrl(env, false)).toBe('http://localhost:5173');
  });

  it('ignores it in a packaged app', () => {
    expect(devServerUrl(env, true)).toBeUndefined();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'https://evil.example' }, true)).toBeUndefined();
  });

  it('loads the bundled file when it is unset or empty', () => {
    expect(devServerUrl({}, false)).toBeUndefined();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: '' }, false)).toBeUndefined();
  });
});
