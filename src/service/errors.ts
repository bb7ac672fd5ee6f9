import { WorkbenchError } from '../core/errors.js';

/*
 * The three ways an API call is refused. Both transports map them to a status: InvalidRequest → 400,
 * NotFound → 404, Conflict → 409; any other WorkbenchError is a failure the user can act on (HTTP 422 with its message).
 */

/** The call's arguments do not match the API's schemas, or ask for what cannot work (a run with an empty split, or more memory than the machine has). */
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

/** The call is valid but the state forbids it now: the run lifecycle (common/runLifecycle.ts) refuses the action in the run's status. */
export class Conflict extends WorkbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}
