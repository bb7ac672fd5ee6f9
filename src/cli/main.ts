import { isUserError, userMessage, type Command } from './command.js';
import { commands } from './commands/index.js';

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`);
  return [
    'usage: workbench <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "workbench <command> --help shows a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  // Two-word commands ("dataset inspect") are registered under their full name.
  const command: Command | undefined =
    commands.find((c) => c.name === `${name} ${rest[0] ?? ''}`.trim()) ?? commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`workbench: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  const args = command.name.includes(' ') ? rest.slice(1) : rest;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isUserError(err)) {
      process.stderr.write(`workbench: ${userMessage(err)}\n`);
    } else {
      process.stderr.write(`workbench: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
