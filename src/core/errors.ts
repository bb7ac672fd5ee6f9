/** An error whose message is meant for the user as it is: the CLI prints it as one line, the UI shows it. */
export class WorkbenchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkbenchError';
  }
}
