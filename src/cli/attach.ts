// `obsdtui attach NAME [--spy]`: the TUI opened straight on one console.
import { command } from './command.ts';
import { checkVmName } from '../common/paths.ts';
import { UserError } from '../common/errors.ts';
import { runTui } from '../tui/run.tsx';
import { DaemonFeed } from '../tui/daemon-feed.ts';
import { prefixOf, withPrefix } from './tui.ts';

export default command({
	command: 'attach <name>',
	describe: 'Open the TUI on a VM console (--spy: watch only; --takeover: take the keyboard)',
	builder: (y) =>
		withPrefix(y)
			.positional('name', { type: 'string' })
			.option('spy', { type: 'boolean', describe: 'read-only: your keys never reach the guest' })
			.option('takeover', { type: 'boolean', describe: 'take the console from its current writer' })
			.conflicts('spy', 'takeover'),
	handler: async (args) => {
		const name = checkVmName(args.name);
		const prefix = prefixOf(args);
		const feed = await DaemonFeed.open();
		if (!feed.list().some((v) => v.name === name)) {
			feed.close();
			throw new UserError(`no VM named ${name} (see 'obsdtui ls')`);
		}
		const mode = args.spy ? 'spy' : args.takeover ? 'takeover' : 'rw';
		await runTui({ feed, prefix, attach: { name, mode }, exitOnDetach: true });
	},
});
