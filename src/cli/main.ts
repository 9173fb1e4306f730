/**
 * The `coexec` command line: parses the command and its flags, runs the command and turns what it throws
 * into an exit status. User mistakes (UserError, or any error marked `userError`) print one line
 * "error: ..." without a stack; anything else is a bug and keeps its stack. Only this file exits.
 */
import { parseArgs } from 'node:util';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN_HELP, COMMAND_HELP } from './help.js';
import {
  type Flags, type Io, DELEGATED, delegatedCommand, exportCommand, importCommand, infoCommand, platformsCommand, runCommand,
} from './commands.js';
import { isUserError, msg, UserError } from '../messages.js';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

const FLAGS: Record<string, Options> = {
  platforms: {},
  info: { platform: { type: 'string' }, json: { type: 'boolean' } },
  run: {
    experiment: { type: 'string' }, profile: { type: 'string' }, platform: { type: 'string' }, phase: { type: 'string', multiple: true },
    resume: { type: 'string' }, strategies: { type: 'string' }, results: { type: 'string' },
  },
  export: {
    experiment: { type: 'string' }, profile: { type: 'string' }, platform: { type: 'string' }, out: { type: 'string' },
    phase: { type: 'string', multiple: true }, strategies: { type: 'string' }, results: { type: 'string' },
    resume: { type: 'string' }, 'extra-deb': { type: 'string', multiple: true }, 'with-node': { type: 'boolean' },
    remeasure: { type: 'string' },
  },
  import: { bundle: { type: 'string' }, run: { type: 'string' } },
};

const COMMANDS: Record<string, (root: string, flags: Flags, io: Io) => Promise<number>> = {
  platforms: platformsCommand, info: infoCommand, run: runCommand, export: exportCommand, import: importCommand,
};

/** The repository root: two levels above dist/src/cli. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs the CLI with argv (without node and script) and returns the exit status. */
export async function main(argv: string[], io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }, root = REPO_ROOT): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(MAIN_HELP);
      return command ? 0 : 2;
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      const help = COMMAND_HELP[command];
      if (!help) throw new UserError(msg.unknownCommand(command), 2);
      io.out(help);
      return 0;
    }
    if (command in DELEGATED) return await delegatedCommand(command, rest, root);
    const run = COMMANDS[command];
    if (!run) throw new UserError(msg.unknownCommand(command), 2);
    let flags: Flags;
    try {
      flags = parseArgs({ args: rest, options: FLAGS[command], strict: true, allowPositionals: false }).values as Flags;
    } catch (err) {
      throw new UserError(msg.badFlag(`${command}: ${(err as Error).message.split('\n')[0]}`), 2);
    }
    return await run(root, flags, io);
  } catch (err) {
    if (isUserError(err)) {
      io.err(`error: ${err.message}`);
      return err instanceof UserError ? err.exitCode : 1;
    }
    io.err((err as Error)?.stack ?? String(err));
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
