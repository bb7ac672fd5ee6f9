import { app } from 'electron';
import os from 'node:os';
import { apiMethodNames } from '../common/channels.js';
import type { WorkbenchApi } from '../common/api.js';

/**
 * The WorkbenchApi as main implements it until src/service provides the application layer:
 * system info only; every other method answers that the service is not wired in yet.
 */
export function createWorkbenchApi(): WorkbenchApi {
  const unavailable = Object.fromEntries(
    apiMethodNames.map((m) => [m, async () => Promise.reject(new Error(`${m}: the workbench service is not part of this build yet`))]),
  ) as unknown as WorkbenchApi;
  return {
    ...unavailable,
    async getSystemInfo() {
      return {
        appVersion: app.getVersion(),
        platform: process.platform,
        versions: {
          node: process.versions.node,
          electron: process.versions.electron,
          chrome: process.versions.chrome,
        },
        // No training process runs yet, so no engine has reported its tfjs backend.
        backend: null,
        inference: null,
        threads: os.availableParallelism(),
        gpu: false,
        dataFolder: null,
        modelCache: [],
      };
    },
  };
}
