// obsdtui command line. Each command lives in its own file under src/cli/ and is listed
// in src/cli/index.ts; this file only wires yargs and turns errors into one line.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commandsFor } from './cli/index.ts';
import { UserError, errorMessage } from './common/errors.ts';

function fail(message: string, code = 1): never {
	process.stderr.write(`obsdtui: ${message}\n`);
	process.exit(code);
}

async function main(): Promise<void> {
	const argv = hideBin(process.argv);
	const commands = await commandsFor(argv);
	const parser = yargs(argv)
		.scriptName('obsdtui')
		.usage('$0 [command]\n\nConsole and serial multiplexer for OpenBSD/arm64 VMs. With no command, opens the TUI.')
		.strict()
		.recommendCommands()
		.help()
		.alias('h', 'help')
		.version(false)
		.wrap(Math.min(100, process.stdout.columns || 80))
		.fail((msg, err) => {
			if (err) throw err;
			// yargs sometimes puts the detail on a second line ("Invalid values:\n Argument: ...").
			const oneLine = msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
			fail(`${oneLine} (see 'obsdtui --help')`, 2);
		});
	for (const c of commands) parser.command(c);
	await parser.parseAsync();
}

process.on('unhandledRejection', (err) => {
	if (err instanceof UserError) fail(err.message, err.exitCode);
	fail(`internal error: ${errorMessage(err)}`, 70);
});

main().catch((err: unknown) => {
	if (err instanceof UserError) fail(err.message, err.exitCode);
	if (process.env.OBSDTUI_DEBUG) console.error(err);
	fail(`internal error: ${errorMessage(err)} (set OBSDTUI_DEBUG=1 for details)`, 70);
});
