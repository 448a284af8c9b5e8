// `obsdtui demo`: real OpenBSD consoles replayed at a real pace, with nothing else
// installed (no QEMU, no daemon), and a boot of the Linux test guest whose recording
// carries the MTU and framebuffer evidence obsdtui saw on that run. The recordings ship
// in share/demo/ (see SOURCES.md there).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command } from './command.ts';
import { UserError } from '../common/errors.ts';
import { loadRecording } from '../term/recording.ts';
import { parseRecordedDevices } from '../devices/replay.ts';
import { ReplayFeed } from '../tui/replay-feed.ts';
import { runTui } from '../tui/run.tsx';
import { parseSpeed } from './replay.ts';
import { prefixOf, withPrefix } from './tui.ts';

const DEMOS: { name: string; file: string; devices?: string }[] = [
	{ name: 'arm64-installer', file: 'arm64-installer.cast' },
	{ name: 'amd64-ddb', file: 'amd64-ddb.cast' },
	{ name: 'linux-test-guest', file: 'linux-test-guest.cast', devices: 'linux-test-guest.devices.json' },
];

/** share/demo/ from wherever this code runs: src/cli/ (tsx) or dist/ (the bundle). */
export function demoDir(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 4; i++) {
		const candidate = join(dir, 'share', 'demo');
		if (existsSync(join(candidate, DEMOS[0].file))) return candidate;
		dir = dirname(dir);
	}
	throw new UserError('the demo recordings are missing (share/demo/ is not installed next to obsdtui)');
}

export default command({
	command: 'demo',
	describe: 'Watch a real OpenBSD/arm64 boot, a panic in ddb, and the MTU and framebuffer panels of a recorded Linux guest, replayed in the TUI; q quits',
	builder: (y) => withPrefix(y).option('speed', { type: 'number', default: 1, describe: 'playback speed factor' }),
	handler: async (args) => {
		const dir = demoDir();
		const speed = parseSpeed(args.speed);
		const feed = new ReplayFeed(
			DEMOS.map((d) => ({
				name: d.name,
				recording: loadRecording(readFileSync(join(dir, d.file))),
				log: join(dir, d.file),
				speed,
				devices: d.devices ? parseRecordedDevices(readFileSync(join(dir, d.devices), 'utf8')) : undefined,
			})),
		);
		await runTui({ feed, prefix: prefixOf(args), attach: { name: DEMOS[0].name, mode: 'rw' } });
	},
});
