import { describe, expect, it } from 'vitest';
import { devServerUrl, routeUrl } from './rendererUrl.js';

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

describe('routeUrl', () => {
  it('adds the route as the hash, for the dev server and for the bundled file', () => {
    expect(routeUrl('http://localhost:5173', '/popup')).toBe('http://localhost:5173/#/popup');
    expect(routeUrl('file:///opt/Spam%20Workbench/out/renderer/index.html', '/popup')).toBe(
      'file:///opt/Spam%20Workbench/out/renderer/index.html#/popup',
    );
  });
});
