import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { RunConfig } from '../common/runConfig.js';
import { InvalidRequest } from './errors.js';

/*
 * Which files a run config from the API may name. The HTTP and IPC API reach the workbench from a page,
 * so they may name only what was imported into the data folder or downloaded to the cache folder: data
 * sets by their id (importDataset), weights files inside those folders. The command line, whose user owns
 * the machine, names any file (WorkbenchServiceOptions.acceptFilePaths).
 */

export const WEIGHTS_RULE =
  'model.weightsFile must be a .safetensors file inside the workbench’s data or cache folder; other files are given on the command line (`workbench runs add --weights-file FILE`)';

export const DATASET_RULE =
  'dataset.source names a data set by its id (a built-in one, or one imported with importDataset or on the Datasets page), never a file path';

/** Refuses (400, naming the rule, never reading the file) a config whose files are outside what the API may name. */
export function checkConfigFiles(
  config: RunConfig,
  folders: { dataDir: string; cacheDir: string },
  knownDataset: (id: string) => boolean,
): void {
  const source = config.dataset.source;
  if (!knownDataset(source) && (/[/\\]/.test(source) || /\.(csv|tsv|txt)$/i.test(source))) {
    throw new InvalidRequest(`dataset.source "${source}" is refused: ${DATASET_RULE}`);
  }
  const weights = config.model.weightsFile;
  if (weights !== undefined && !insideFolders(weights, [folders.dataDir, folders.cacheDir])) {
    throw new InvalidRequest(`model.weightsFile "${weights}" is refused: ${WEIGHTS_RULE}`);
  }
}

/** Whether `file` is a .safetensors file whose real path (links followed) lies inside one of `folders`. */
function insideFolders(file: string, folders: string[]): boolean {
  if (!path.isAbsolute(file) || !file.toLowerCase().endsWith('.safetensors')) return false;
  const real = realOrNull(file);
  if (real === null || !real.toLowerCase().endsWith('.safetensors')) return false;
  return folders.some((folder) => {
    const root = realOrNull(folder);
    return root !== null && real.startsWith(root + path.sep);
  });
}

function realOrNull(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}
