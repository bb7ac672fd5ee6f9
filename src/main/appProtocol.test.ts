import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, APP_URL, appRequestFile, contentType } from './appProtocol.js';
import { isAppUrl } from './security.js';

const root = path.resolve('/opt/workbench/resources/app.asar/out/renderer');

describe('app:// protocol', () => {
  it('serves the files of out/renderer, index.html at the root', () => {
    expect(APP_URL).toBe('app://workbench/index.html');
    expect(appRequestFile('app://workbench/index.html', root)).toBe(path.join(root, 'index.html'));
    expect(appRequestFile('app://workbench/', root)).toBe(path.join(root, 'index.html'));
    expect(appRequestFile('app://workbench/assets/index-abc.js?v=1#x', root)).toBe(path.join(root, 'assets/index-abc.js'));
    expect(appRequestFile('app://workbench/assets/a%20b.css', root)).toBe(path.join(root, 'assets/a b.css'));
  });

  it('serves nothing outside it, nor for another host or scheme', () => {
    // Dot segments (also %2e%2e) are resolved by the URL parser at the root: still inside.
    expect(appRequestFile('app://workbench/../../../../etc/passwd', root)).toBe(path.join(root, 'etc/passwd'));
    expect(appRequestFile('app://workbench/%2e%2e/%2e%2e/main/index.js', root)).toBe(path.join(root, 'main/index.js'));
    // Encoded slashes survive the parser, and are refused here.
    expect(appRequestFile('app://workbench/..%2f..%2fmain%2findex.js', root)).toBeNull();
    expect(appRequestFile('app://workbench/%00', root)).toBeNull();
    expect(appRequestFile('app://workbench/%E0%A4%A', root)).toBeNull();
    expect(appRequestFile('app://other/index.html', root)).toBeNull();
    expect(appRequestFile('file:///opt/workbench/resources/app.asar/out/renderer/index.html', root)).toBeNull();
    expect(appRequestFile('not a url', root)).toBeNull();
  });

  it('is a standard, secure scheme that may fetch', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });

  it('sends each file with its type', () => {
    expect(contentType('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/x/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/x/tfjs-backend-wasm-simd.wasm')).toBe('application/wasm');
    expect(contentType('/x/LICENSE')).toBe('application/octet-stream');
  });

  it('its pages are the app; file:// pages and other hosts are not', () => {
    expect(isAppUrl('app://workbench/index.html#/popup', APP_URL)).toBe(true);
    expect(isAppUrl('app://evil/index.html', APP_URL)).toBe(false);
    expect(isAppUrl(`file://${root}/index.html`, APP_URL)).toBe(false);
    expect(isAppUrl('https://workbench/index.html', APP_URL)).toBe(false);
  });
});
