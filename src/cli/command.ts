import { WorkbenchError } from '../core/errors.js';

/** One `workbench` sub-command. `run` gets the arguments after the command name and returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Expected failures (bad input, missing files, …), printed as one line; anything else is a bug and keeps its stack. */
export function isUserError(err: unknown): err is Error {
  return (
    err instanceof WorkbenchError || (err instanceof TypeError && Boolean((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')))
  );
}

/** The line printed for a user error: Node's argument-parsing messages can span lines ("…ambiguous.\nDid you forget…"). */
export function userMessage(err: Error): string {
  return err instanceof WorkbenchError ? err.message : err.message.replace(/\s*\n\s*/g, ' ');
}

/** `--json` output: one JSON object as the last line of stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
