// obsdtui down NAME: power the VM off gracefully, forcing it after a timeout.
import { command } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';

export default command({
	command: 'down <name>',
	describe: 'Stop a VM: graceful power-down, then forced after --timeout',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('force', { type: 'boolean', describe: 'skip the graceful power-down' })
			.option('timeout', { type: 'number', default: 20, describe: 'seconds to wait for a graceful power-down' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		const client = await connectDaemon();
		try {
			const { vm } = await client.request<{ vm: { state: string; exit?: { status: number | null; signal: string | null } } }>('down', {
				name,
				force: args.force === true,
				timeout_ms: Math.max(0, Number(args.timeout)) * 1000,
			});
			const how = vm.exit ? (vm.exit.signal ? `signal ${vm.exit.signal}` : `status ${vm.exit.status}`) : vm.state;
			process.stdout.write(`${name}: stopped (${how})\n`);
		} finally {
			client.close();
		}
	},
});
