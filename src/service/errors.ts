import { WorkbenchError } from '../core/errors.js';

/*
 * The three ways the service refuses a call by its own rules. Serve mode answers them 400, 404 and 409
 * (http/errorStatus.ts, which also gives storage faults 503/507 and any other WorkbenchError 422); the app's
 * IPC rejects the call with the message as it is.
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
