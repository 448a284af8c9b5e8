// `obsdtui replay FILE`: a recorded console (plain log or asciicast) as a read-only VM.
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { command } from './command.ts';
import { UserError, errorMessage } from '../common/errors.ts';
import { loadRecording } from '../term/recording.ts';
import { ReplayFeed } from '../tui/replay-feed.ts';
import { runTui } from '../tui/run.tsx';
import { prefixOf, withPrefix } from './tui.ts';

export function parseSpeed(value: unknown): number {
	const speed = Number(value ?? 1);
	if (!(speed > 0)) throw new UserError(`--speed must be a positive number (0 is not; use a large number to skip ahead)`);
	return speed;
}

export default command({
	command: 'replay <file>',
	describe: 'Play a recorded console (a log, or asciicast v2 with timings) in the TUI, read-only',
	builder: (y) =>
		withPrefix(y)
			.positional('file', { type: 'string' })
			.option('speed', { type: 'number', default: 1, describe: 'playback speed factor (a plain log plays at 115200 baud x speed)' })
			.option('cols', { type: 'number', default: 80, describe: 'guest width for a plain log' })
			.option('rows', { type: 'number', default: 24, describe: 'guest height for a plain log' }),
	handler: async (args) => {
		const file = resolve(String(args.file));
		let bytes: Buffer;
		try {
			bytes = readFileSync(file);
		} catch (err) {
			throw new UserError(`cannot read ${file}: ${errorMessage(err)}`);
		}
		const recording = loadRecording(bytes, Number(args.cols), Number(args.rows));
		const name = basename(file).replace(/\.(log|txt|cast)$/, '') || 'replay';
		const feed = new ReplayFeed([{ name, recording, log: file, speed: parseSpeed(args.speed) }]);
		await runTui({ feed, prefix: prefixOf(args), attach: { name, mode: 'rw' } });
	},
});
