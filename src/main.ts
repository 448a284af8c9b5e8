// obsdtui command line. Each command lives in its own file under src/cli/ and is listed
// in src/cli/index.ts; this file only wires yargs and turns errors into one line.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commandsFor } from './cli/index.ts';
import { UserError, errorMessage } from './common/errors.ts';
import { chooseHost } from './client/hosts.ts';
import pkg from '../package.json' with { type: 'json' };

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
		// yargs' own --version prints the bare number and shows under every command; users
		// expect `obsdtui --version` (and -V) to name the program, at the top level only.
		.version(false)
		.option('version', { alias: 'V', type: 'boolean', global: false, describe: 'Print the version and exit' })
		.option('H', {
			alias: 'host',
			type: 'string',
			global: true,
			describe: 'run against HOST over ssh: a name from the hosts file, [user@]host[:port] or an ssh alias (default $OBSDTUI_HOST; local: this machine)',
		})
		.middleware((argv) => {
			// Before any handler: every command's connectDaemon() then uses this host.
			if (typeof argv.H === 'string') chooseHost(argv.H, '-H');
			else chooseHost(process.env.OBSDTUI_HOST || undefined, 'OBSDTUI_HOST');
		}, true)
		.middleware((argv) => {
			// Under a command yargs does not resolve the alias of a top-level option itself.
			// Only the flag counts: `image fetch <version>` has a positional of that name.
			if (argv.version !== true && argv.V !== true) return;
			process.stdout.write(`obsdtui ${pkg.version}\n`);
			process.exit(0);
		}, true)
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
