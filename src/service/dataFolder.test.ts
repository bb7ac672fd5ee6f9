import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataFolder } from './dataFolder.js';

describe('the data folder', () => {
  it('is --data, else WORKBENCH_DATA_DIR, else the platform application-data folder', () => {
    expect(resolveDataFolder('rel/dir', { WORKBENCH_DATA_DIR: '/env' })).toBe(path.resolve('rel/dir'));
    expect(resolveDataFolder(undefined, { WORKBENCH_DATA_DIR: '/env' })).toBe('/env');
    expect(resolveDataFolder(undefined, { HOME: '/home/u', XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/spam-workbench');
    expect(resolveDataFolder(undefined, { HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/spam-workbench');
    expect(resolveDataFolder(undefined, { HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/spam-workbench');
    expect(resolveDataFolder(undefined, { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(
      path.join('C:\\Users\\u\\AppData\\Roaming', 'spam-workbench'),
    );
  });
});
