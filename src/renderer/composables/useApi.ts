import type { WorkbenchClient } from '../../common/api.js';

/**
 * The WorkbenchApi for components. In Electron it is the preload's IPC bridge; `serve` mode will
 * return an HTTP client here instead, so components never know which transport they talk to.
 */
export function useApi(): WorkbenchClient {
  return window.workbench;
}
