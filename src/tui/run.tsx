// Owns the user's terminal for the TUI's lifetime: raw stdin (ours, not Ink's), the
// alternate screen, and putting everything back however we leave: quit, detach, a
// crash, or SIGINT/SIGTERM/SIGHUP.
import { PassThrough } from 'node:stream';
import { writeSync } from 'node:fs';
import { render, type Instance } from 'ink';
import { UserError } from '../common/errors.ts';
import { detectColorDepth } from '../term/colors.ts';
import { Controller, FRAME_MS } from './controller.ts';
import type { AttachMode, ConsoleFeed } from './feed.ts';
import { Root } from './Root.tsx';

export interface RunOptions {
	feed: ConsoleFeed;
	prefix: number;
	attach?: { name: string; mode: AttachMode };
	exitOnDetach?: boolean;
}

// Undo what a crashed frame may have left: leave the alternate screen, show the cursor,
// reset attributes. Only written when Ink could not unmount cleanly.
const EMERGENCY_RESTORE = '\x1b[0m\x1b[?25h\x1b[?1049l';

export async function runTui(opts: RunOptions): Promise<void> {
	const stdin = process.stdin;
	const stdout = process.stdout;
	if (!stdin.isTTY || !stdout.isTTY) throw new UserError('the TUI needs a terminal: stdin and stdout must be a tty');

	// Ink gets a stream that never carries input: keys are routed by the controller.
	const inkStdin = new PassThrough() as PassThrough & { isTTY?: boolean };
	inkStdin.isTTY = false;

	let instance: Instance | undefined;
	let onScreen = true;
	let finish: () => void = () => {};
	const done = new Promise<void>((resolve) => (finish = resolve));

	const size = () => ({ width: stdout.columns || 80, height: stdout.rows || 24 });
	const controller = new Controller({
		feed: opts.feed,
		prefix: opts.prefix,
		depth: detectColorDepth(process.env, true),
		size,
		attach: opts.attach,
		exitOnDetach: opts.exitOnDetach,
		render: (view) => {
			const node = <Root view={view} />;
			if (instance) instance.rerender(node);
			else {
				instance = render(node, {
					stdin: inkStdin as unknown as NodeJS.ReadableStream,
					stdout,
					exitOnCtrlC: false,
					patchConsole: false,
					alternateScreen: true,
					// The TUI only starts on a tty; CI=true in the environment must not silence it.
					interactive: true,
					incrementalRendering: true,
					// Our controller is the one throttle; Ink must never hold a frame back.
					maxFps: Math.ceil((1000 / FRAME_MS) * 4),
				});
			}
		},
		quit: () => finish(),
	});

	const onData = (chunk: Buffer) => controller.input(chunk);
	const onResize = () => controller.resize();
	const restore = async () => {
		if (!onScreen) return;
		onScreen = false;
		controller.stop();
		stdin.off('data', onData);
		stdout.off('resize', onResize);
		try {
			if (instance) {
				instance.unmount();
				await instance.waitUntilExit().catch(() => undefined);
			}
		} finally {
			if (stdin.isTTY) stdin.setRawMode(false);
			stdin.pause();
		}
	};
	const emergency = () => {
		if (!onScreen) return;
		onScreen = false;
		try {
			writeSync(stdout.fd, EMERGENCY_RESTORE);
		} catch {
			// the terminal is gone (SIGHUP): nothing to restore
		}
		try {
			if (stdin.isTTY) stdin.setRawMode(false);
		} catch {
			// same
		}
	};
	const onSignal = (signal: NodeJS.Signals) => {
		const code = 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[signal];
		void restore().finally(() => {
			opts.feed.close();
			process.exit(code);
		});
	};
	const onCrash = (err: unknown) => {
		emergency();
		process.stderr.write(`obsdtui: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(70);
	};

	stdin.setRawMode(true);
	stdin.resume();
	stdin.on('data', onData);
	stdout.on('resize', onResize);
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);
	process.on('uncaughtException', onCrash);
	process.on('exit', emergency);

	try {
		await done;
	} finally {
		await restore();
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		process.off('uncaughtException', onCrash);
		process.off('exit', emergency);
		opts.feed.close();
	}
}
