// Shared plumbing for CLI commands: one file per command in src/cli/, each exporting a
// yargs CommandModule built with `command()`. The handler's errors end as one line on
// stderr and a non-zero exit (see src/main.ts), never a stack trace for a UserError.
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { createInterface } from 'node:readline/promises';

export type Args = ArgumentsCamelCase<Record<string, unknown>>;

export function command(def: {
	command: string | string[];
	describe: string;
	builder?: (y: Argv) => Argv;
	handler: (args: Args) => Promise<void> | void;
}): CommandModule {
	return {
		command: def.command,
		describe: def.describe,
		builder: (y: Argv) => (def.builder ? def.builder(y) : y),
		handler: async (args) => {
			await def.handler(args as Args);
		},
	};
}

/** Print a value as JSON (for --json) with a trailing newline. */
export function printJson(value: unknown): void {
	process.stdout.write(JSON.stringify(value) + '\n');
}

/** Ask a yes/no question on the terminal (the answer defaults to no). */
export async function confirm(question: string): Promise<boolean> {
	const rl = createInterface({ input: process.stdin, output: process.stderr });
	try {
		return /^y(es)?$/i.test((await rl.question(question)).trim());
	} finally {
		rl.close();
	}
}

export type AttachMode = 'rw' | 'spy' | 'takeover';

/** The attach-mode options every viewer command takes. */
export function withAttachModes(y: Argv): Argv {
	return y
		.option('spy', { type: 'boolean', describe: 'read-only: your keys never reach the guest' })
		.option('takeover', { type: 'boolean', describe: 'take the console from its current writer' })
		.conflicts('spy', 'takeover');
}

export function attachModeOf(args: Args): AttachMode {
	return args.spy ? 'spy' : args.takeover ? 'takeover' : 'rw';
}
