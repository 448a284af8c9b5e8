// obsdtui rm NAME: remove a stopped VM and everything obsdtui kept for it (its spec, the
// console logs of every boot, collected evidence). Asks first on a terminal.
import { command, confirm } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';

export default command({
	command: 'rm <name>',
	describe: 'Remove a stopped VM with its console logs (asks first; --yes for scripts)',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask' })
			.option('keep-logs', { type: 'boolean', describe: 'keep the console logs (log, dmesg and report still read them); remove the rest' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		const client = await connectDaemon();
		try {
			const { vm } = await client.request<{ vm: { state: string; log: string } }>('info', { name });
			if (vm.state !== 'exited' && vm.state !== 'lost' && vm.state !== 'created') throw new UserError(`${name} is ${vm.state}: 'obsdtui down ${name}' first`);
			if (!args.yes) {
				if (!process.stdin.isTTY) throw new UserError(`not removing ${name} without asking: run on a terminal or pass --yes`);
				const what = args.keepLogs ? `Remove ${name}, keeping its console logs?` : `Remove ${name} and all its console logs?`;
				if (!(await confirm(`${what} [y/N] `))) throw new UserError('nothing removed');
			}
			const { removed } = await client.request<{ removed: string }>('rm', { name, keep_logs: args.keepLogs === true });
			process.stdout.write(args.keepLogs ? `${name}: removed; its console logs stay in ${removed}\n` : `${name}: removed ${removed}\n`);
		} finally {
			client.close();
		}
	},
});
