import { app } from 'electron';
import type { WorkbenchApi } from '../common/api.js';

/** The WorkbenchApi as main implements it until src/service provides the application layer. */
export function createWorkbenchApi(): WorkbenchApi {
  return {
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
      };
    },
  };
}
