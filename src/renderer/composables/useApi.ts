import type { WorkbenchClient } from '../../common/api.js';
import { createHttpClient, tokenFromUrl } from '../api/httpClient.js';
import { reportConnection } from './useConnection.js';

let httpClient: WorkbenchClient | null = null;

/**
 * The WorkbenchApi for components: in Electron the preload's IPC bridge, in a browser (`workbench
 * serve`) one HTTP client shared by the page, so components never know which transport they talk to.
 * Only the HTTP transport can lose its server, so only it reports the connection.
 */
export function useApi(): WorkbenchClient {
  if (window.workbench) return window.workbench;
  httpClient ??= createHttpClient(tokenFromUrl(window.location.href), '', reportConnection);
  return httpClient;
}
