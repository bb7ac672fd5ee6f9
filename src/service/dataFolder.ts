import os from 'node:os';
import path from 'node:path';
import { APP_FOLDER_NAME } from '../core/cacheDir.js';

/**
 * Where the workbench keeps its database, data sets and runs: `--data DIR`, else
 * $WORKBENCH_DATA_DIR, else the platform's application-data folder.
 */
export function resolveDataFolder(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (explicit) return path.resolve(explicit);
  if (env.WORKBENCH_DATA_DIR) return path.resolve(env.WORKBENCH_DATA_DIR);
  return path.join(platformDataHome(env, platform), APP_FOLDER_NAME);
}

function platformDataHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const home = env.HOME || os.homedir();
  if (platform === 'win32') return env.APPDATA || path.join(env.USERPROFILE || home, 'AppData', 'Roaming');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  return env.XDG_DATA_HOME || path.join(home, '.local', 'share');
}
