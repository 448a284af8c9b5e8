// `obsdtui attach NAME [--spy]`: the TUI opened straight on one console.
import { attachModeOf, command, withAttachModes } from './command.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';
import { runTui } from '../tui/run.tsx';
import { DaemonFeed } from '../tui/daemon-feed.ts';
import { prefixOf, withPrefix } from './tui.ts';

export default command({
	command: 'attach <name>',
	describe: 'Open the TUI on a VM console (--spy: watch only; --takeover: take the keyboard)',
	builder: (y) =>
		withAttachModes(withPrefix(y).positional('name', { type: 'string' })),
	handler: async (args) => {
		const name = vmArg(args.name);
		const prefix = prefixOf(args);
		const feed = await DaemonFeed.open();
		if (!feed.list().some((v) => v.name === name)) {
			feed.close();
			throw new UserError(`no VM named '${name}' (see 'obsdtui ls')`);
		}
		const mode = attachModeOf(args);
		await runTui({ feed, prefix, attach: { name, mode }, exitOnDetach: true });
	},
});
