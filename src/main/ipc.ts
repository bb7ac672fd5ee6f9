import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { apiMethods, type ApiMethodName, type WorkbenchApi } from '../common/api.js';
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
  const { args: argsSchema, result: resultSchema } = apiMethods[method];
  return async (event, ...rawArgs) => {
    if (!isTrustedSender(event)) {
      throw new Error(`${channelFor(method)} refused: the caller (${event.senderFrame?.url ?? 'unknown frame'}) is not the app's page`);
    }
    const args = argsSchema.safeParse(rawArgs);
    if (!args.success) {
      // The schema is a tuple of all arguments, so issues read "at [0]…", and a wrong count "Too big/small".
      const given = `${rawArgs.length} argument${rawArgs.length === 1 ? '' : 's'}`;
      throw new Error(`${channelFor(method)}: invalid arguments (${given} given):\n${z.prettifyError(args.error)}`);
    }
    const result = resultSchema.safeParse(await Reflect.apply(api[method], api, args.data));
    if (!result.success) {
      throw new Error(`${channelFor(method)}: the app returned an invalid result:\n${z.prettifyError(result.error)}`);
    }
    return result.data;
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
