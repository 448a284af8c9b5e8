// obsdtui daemon status|stop|run|proxy.
import { command, printJson } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { runDaemon } from '../daemon/server.ts';
import { daemonSocketPath } from '../common/paths.ts';

export default command({
	command: 'daemon <action>',
	describe: 'Per-user daemon: status, stop (VMs keep running), run in the foreground, or proxy (stdin/stdout to the daemon, for ssh)',
	builder: (y) =>
		y
			.positional('action', { choices: ['status', 'stop', 'run', 'proxy'] as const })
			.option('json', { type: 'boolean' }),
	handler: async (args) => {
		if (args.action === 'run') {
			await runDaemon();
			return;
		}
		if (args.action === 'proxy') {
			// Only the daemon's frames may reach stdout; exit once they are flushed.
			const { runProxy } = await import('../daemon/proxy.ts');
			const code = await runProxy();
			process.stdout.write('', () => process.exit(code));
			return;
		}
		let client;
		try {
			client = await connectDaemon({ autostart: false });
		} catch {
			if (args.json) printJson({ running: false, socket: daemonSocketPath() });
			else process.stdout.write(`daemon: not running (${daemonSocketPath()})\n`);
			if (args.action === 'status') process.exitCode = 1;
			return;
		}
		try {
			if (args.action === 'stop') {
				await client.request('stop');
				process.stdout.write('daemon: stopped (VMs keep running; the next command re-adopts them)\n');
			} else {
				const s = await client.request('status');
				if (args.json) printJson({ running: true, ...s, id: undefined, ok: undefined });
				else process.stdout.write(`daemon: running, pid ${s.pid}, ${s.vms} VMs, ${s.clients} clients, up ${Math.round(Number(s.uptime_ms) / 1000)} s, ${s.socket}\n`);
			}
		} finally {
			client.close();
		}
	},
});
