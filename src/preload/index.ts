import { contextBridge, ipcRenderer } from 'electron';
import type { ApiMethodName, WorkbenchApi } from '../common/api.js';
import { apiMethodNames, channelFor } from '../common/channels.js';

// One wrapper per WorkbenchApi method, each bound to its own channel: the page can call exactly
// these functions and nothing else. ipcRenderer itself never crosses the bridge, so a compromised
// page cannot send on arbitrary channels or listen to main.
function invoker(method: ApiMethodName) {
  return (...args: unknown[]): Promise<unknown> => ipcRenderer.invoke(channelFor(method), ...args);
}

// The cast is sound because apiMethodNames are exactly WorkbenchApi's keys, and main validates
// every argument and result against apiMethods.
const api = Object.fromEntries(apiMethodNames.map((m) => [m, invoker(m)])) as unknown as WorkbenchApi;

contextBridge.exposeInMainWorld('workbench', api);
