import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { ColumnMapping } from '../common/api.js';
import { APP_FOLDER_NAME } from '../core/cacheDir.js';
import { resolveDataFolder } from '../service/dataFolder.js';
import { createWorkbenchService, type WorkbenchService } from '../service/workbenchService.js';

export const DATA_FLAG = { data: { type: 'string' } } as const;
export const DATA_FLAG_HELP = `  --data DIR                  the workbench's data folder (default: $WORKBENCH_DATA_DIR, else the
                              platform's application-data folder, e.g. ~/.local/share/${APP_FOLDER_NAME})`;

/**
 * Runs `body` with the service over the data folder, and closes it whatever happens. Run configs given on the
 * command line may name any file (its user owns the machine); `serve` passes `acceptFilePaths: false`, as its
 * API is reached from a page.
 */
export async function withService<T>(
  data: string | undefined,
  body: (service: WorkbenchService) => Promise<T>,
  autoStart = false,
  { acceptFilePaths = true }: { acceptFilePaths?: boolean } = {},
): Promise<T> {
  const service = await createWorkbenchService({ dataDir: resolveDataFolder(data), autoStart, acceptFilePaths });
  try {
    return await body(service);
  } finally {
    await service.close();
  }
}

/**
 * A data set id for `--dataset`: a known id as it is, or a file on disk imported into the data
 * folder (the same rows imported twice are the same data set).
 */
export async function datasetId(service: WorkbenchService, source: string, mapping: ColumnMapping): Promise<string> {
  const known = await service.listDatasets();
  if (known.some((d) => d.id === source)) return source;
  if (!existsSync(source)) return source; // the service names the known ones in its refusal
  // Streamed into the data folder's uploads, as serve's page sends a file: read and validated once, off the main thread.
  const { uploadId } = await service.receiveUpload(createReadStream(source), path.basename(source));
  const file = { name: path.basename(source), path: path.resolve(source), uploadId };
  return (await service.importDataset(file, mapping, path.basename(source))).id;
}
