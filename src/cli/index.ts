// Every CLI command, one file each. Keep this list in the order `obsdtui --help` shows.
// Commands are imported lazily: `obsdtui ls` loads ls.ts (and what it imports), not the
// TUI's ink, react and @xterm/headless, which cost more than Node's own start-up. The
// bundle (scripts/bundle.mjs) splits each dynamic import into its own chunk.
import type { CommandModule } from 'yargs';

type Loader = () => Promise<{ default: CommandModule }>;

// The first word of each command's `command:` string (`$0` is the TUI: no word).
const loaders: [name: string, load: Loader][] = [
	['$0', () => import('./tui.ts')],
	['image', () => import('./image.ts')],
	['create', () => import('./create.ts')],
	['up', () => import('./up.ts')],
	['down', () => import('./down.ts')],
	['rm', () => import('./rm.ts')],
	['ls', () => import('./ls.ts')],
	['attach', () => import('./attach.ts')],
	['console', () => import('./console.ts')],
	['log', () => import('./log.ts')],
	['send', () => import('./send.ts')],
	['wait', () => import('./wait.ts')],
	['replay', () => import('./replay.ts')],
	['demo', () => import('./demo.ts')],
	['net', () => import('./net.ts')],
	['screen', () => import('./screen.ts')],
	['glass', () => import('./glass.ts')],
	['scan', () => import('./scan.ts')],
	['dmesg', () => import('./dmesg.ts')],
	['report', () => import('./report.ts')],
	['ddb', () => import('./ddb.ts')],
	['daemon', () => import('./daemon.ts')],
	['doctor', () => import('./doctor.ts')],
];

/** Every command, for --help, the default command and the manual page test. */
export async function allCommands(): Promise<CommandModule[]> {
	return Promise.all(loaders.map(async ([, load]) => (await load()).default));
}

/**
 * The commands yargs must know to run `argv` (without node and the script): only the
 * named one when the first word names a command, so its handler's imports are all that
 * is loaded (its --help text is the same either way); every command otherwise (the TUI,
 * `obsdtui --help`, a mistyped name yargs suggests a correction for). `--version` alone
 * needs none.
 */
export async function commandsFor(argv: string[]): Promise<CommandModule[]> {
	// The first word that is neither an option nor the value of -H/--host (a global option).
	const word = argv.find((a, i) => !a.startsWith('-') && !(i > 0 && (argv[i - 1] === '-H' || argv[i - 1] === '--host')));
	const hit = word === undefined ? undefined : loaders.find(([name]) => name === word);
	if (hit) return [(await hit[1]()).default];
	if (word === undefined && argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
	return allCommands();
}
