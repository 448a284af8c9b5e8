// `obsdtui` with no command: the TUI on the VM list.
import type { Argv } from 'yargs';
import { command, type Args } from './command.ts';
import { DEFAULT_PREFIX, parsePrefix } from '../tui/keys.ts';
import { runTui } from '../tui/run.tsx';
import { DaemonFeed } from '../tui/daemon-feed.ts';
import { currentHost, readHostsFile } from '../client/hosts.ts';

/** The --prefix option every TUI command takes. */
export function withPrefix(y: Argv): Argv {
	return y.option('prefix', {
		type: 'string',
		default: process.env.OBSDTUI_PREFIX ?? DEFAULT_PREFIX,
		describe: 'command prefix key (C-x or ^x; never ~, ssh uses it); env OBSDTUI_PREFIX',
	});
}

export function prefixOf(args: Args): number {
	return parsePrefix(String(args.prefix ?? DEFAULT_PREFIX));
}

export default command({
	command: '$0',
	describe: 'Open the TUI: the VM list, then consoles (Enter attaches)',
	builder: withPrefix,
	handler: async (args) => {
		const prefix = prefixOf(args);
		// With hosts in the hosts file and none chosen, the list groups every host's VMs.
		const hosts = currentHost() ? [] : readHostsFile();
		const feed = hosts.length ? await (await import('../tui/multi-feed.ts')).MultiFeed.open(hosts) : await DaemonFeed.open();
		await runTui({ feed, prefix });
	},
});
