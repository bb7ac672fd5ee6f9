import os from 'node:os';
import path from 'node:path';

/** The folder name the workbench's own folders go by (cache, data), as package.json names the app. */
export const APP_FOLDER_NAME = 'spam-workbench';

/** Where downloads (GPT-2 checkpoints, the SMS Spam zip) are kept: $WORKBENCH_CACHE_DIR, else the XDG cache folder. */
export function defaultCacheDir(): string {
  if (process.env.WORKBENCH_CACHE_DIR) return process.env.WORKBENCH_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg || path.join(os.homedir(), '.cache'), APP_FOLDER_NAME);
}
