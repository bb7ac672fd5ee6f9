import { WorkbenchError } from '../core/errors.js';

/*
 * The three ways an API call is refused. Both transports map them to a status: InvalidRequest → 400,
 * NotFound → 404, Conflict → 409; any other WorkbenchError is a failure the user can act on (HTTP 422 with its message).
 */

/** The call's arguments do not match the API's schemas (or name something impossible). */
export class InvalidRequest extends WorkbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

/** The run or data set the call names does not exist. */
export class NotFound extends WorkbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** The call is valid but the state forbids it now (delete a running run, retry a finished one). */
export class Conflict extends WorkbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}
