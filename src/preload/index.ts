import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiMethodName, WorkbenchClient, WorkbenchEvent } from '../common/api.js';
import { apiMethodNames, channelFor, EVENT_CHANNEL } from '../common/channels.js';

// One wrapper per WorkbenchApi method, each bound to its own channel, plus one subscription to
// the event channel: the page can call exactly these functions and nothing else. ipcRenderer
// itself never crosses the bridge, so a compromised page cannot send on arbitrary channels or
// listen to main.
function invoker(method: ApiMethodName) {
  return (...args: unknown[]): Promise<unknown> => ipcRenderer.invoke(channelFor(method), ...args);
}

function onEvent(listener: (event: WorkbenchEvent) => void): () => void {
  // The page's listener gets the event only, never the IpcRendererEvent (which carries `sender`).
  const forward = (_e: IpcRendererEvent, event: WorkbenchEvent) => listener(event);
  ipcRenderer.on(EVENT_CHANNEL, forward);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, forward);
  };
}

// The cast is sound because apiMethodNames are exactly WorkbenchApi's keys, and main validates
// every argument and result against apiMethods.
const client = { ...Object.fromEntries(apiMethodNames.map((m) => [m, invoker(m)])), onEvent } as unknown as WorkbenchClient;

contextBridge.exposeInMainWorld('workbench', client);
