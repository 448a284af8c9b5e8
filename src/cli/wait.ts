// obsdtui wait NAME --for REGEX: block until the console shows a pattern (for scripts).
import { command } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';

export default command({
	command: 'wait <name>',
	describe: 'Wait until console output (serial or glass) matches --for REGEX ($ = end of output so far)',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('for', { type: 'string', demandOption: true, describe: 'regular expression (JavaScript syntax)' })
			.option('timeout', { type: 'number', default: 300, describe: 'seconds before giving up (exit 1)' })
			.option('new', { type: 'boolean', describe: 'only match output that arrives after now' })
			.option('ignore-case', { alias: 'i', type: 'boolean' })
			.option('glass', { type: 'boolean', describe: 'match only the glass console (the framebuffer read as text)' })
			.option('serial', { type: 'boolean', describe: 'match only the serial console' })
			.conflicts('glass', 'serial'),
	handler: async (args) => {
		const name = vmArg(args.name);
		const pattern = String(args.for);
		try {
			new RegExp(pattern);
		} catch (err) {
			throw new UserError(`bad --for pattern: ${(err as Error).message}`);
		}
		const timeout = Number(args.timeout);
		if (!(timeout > 0)) throw new UserError('--timeout must be a positive number of seconds');
		const client = await connectDaemon();
		try {
			const { matched } = await client.request<{ matched: string }>('wait', {
				name,
				pattern,
				flags: args.ignoreCase ? 'i' : '',
				new: args.new === true,
				timeout_ms: timeout * 1000,
				source: args.glass ? 'glass' : args.serial ? 'serial' : 'any',
			});
			process.stdout.write(`${matched}\n`);
		} finally {
			client.close();
		}
	},
});
