import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { ApiMethodName, WorkbenchApi } from '../common/api.js';
import { checkArgs, checkResult } from '../common/apiChecks.js';
import { apiMethodNames, channelFor } from '../common/channels.js';

export type IpcHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/**
 * The ipcMain handler of one method. Every method goes through the same checks: the call must
 * come from the app's own page, its arguments must match the method's schema (else it rejects
 * with a message naming the method and what is wrong, and the implementation is not called),
 * and the result is checked too, so the renderer never receives a shape the contract does not promise.
 */
export function createHandler(
  api: WorkbenchApi,
  method: ApiMethodName,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
): IpcHandler {
  return async (event, ...rawArgs) => {
    if (!isTrustedSender(event)) {
      throw new Error(`${channelFor(method)} refused: the caller (${event.senderFrame?.url ?? 'unknown frame'}) is not the app's page`);
    }
    const args = checkArgs(method, rawArgs);
    if (!args.ok) throw new Error(`${channelFor(method)}: ${args.message}`);
    const result = checkResult(method, await Reflect.apply(api[method], api, args.value));
    if (!result.ok) throw new Error(`${channelFor(method)}: ${result.message}`);
    return result.value;
  };
}

/** Registers a handler on `workbench:<method>` for every method of the api table. */
export function registerApi(
  ipcMain: Pick<IpcMain, 'handle'>,
  api: WorkbenchApi,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
): void {
  for (const method of apiMethodNames) {
    ipcMain.handle(channelFor(method), createHandler(api, method, isTrustedSender));
  }
}
