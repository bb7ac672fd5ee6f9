import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiMethods, type ApiMethodName, type WorkbenchApi } from '../../common/api.js';
import { checkArgs, checkResult } from '../../common/apiChecks.js';
import { BodyTooLarge, readBody } from './body.js';
import { errorLine, statusOf } from './errorStatus.js';
import { sendError, sendJson } from './respond.js';

/**
 * `POST /api/<method>` with the argument tuple as the JSON body → the result as JSON. The same
 * argument and result checks as the IPC transport; a body that is not JSON or does not match the
 * method's schema is 400 with the schema's message, and the service is not called.
 */
export async function handleApiCall(
  api: WorkbenchApi,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  if (!Object.hasOwn(apiMethods, name)) return sendError(res, 404, `no API method "${name}"`);
  const method = name as ApiMethodName;
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendError(res, 405, `${method}: use POST with the arguments as a JSON array`);
  }
  let body: unknown;
  try {
    const text = await readBody(req);
    body = text.trim() === '' ? [] : JSON.parse(text);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `${method}: ${err.message}`);
    }
    return sendError(res, 400, `${method}: the body is not JSON: ${(err as Error).message}`);
  }
  const args = checkArgs(method, body);
  if (!args.ok) return sendError(res, 400, `${method}: ${args.message}`);
  let value: unknown;
  try {
    value = await Reflect.apply(api[method], api, args.value);
  } catch (err) {
    const status = statusOf(err);
    const line = errorLine(err, method);
    if (status === 500) log(`${method} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    else if (status >= 503) log(line);
    return sendError(res, status, line);
  }
  const result = checkResult(method, value);
  if (!result.ok) {
    log(`${method}: ${result.message}`);
    return sendError(res, 500, `${method}: the app returned an invalid result`);
  }
  sendJson(res, 200, result.value);
}
