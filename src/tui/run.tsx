// Owns the user's terminal for the TUI's lifetime: raw stdin, the alternate screen, and
// putting everything back however we leave: quit, detach, a crash, or
// SIGINT/SIGTERM/SIGHUP.
import { writeSync } from 'node:fs';
import { UserError } from '../common/errors.ts';
import { detectColorDepth } from '../term/colors.ts';
import { Controller } from './controller.ts';
import type { AttachMode, ConsoleFeed } from './feed.ts';
import { Painter } from './paint.tsx';

export interface RunOptions {
	feed: ConsoleFeed;
	prefix: number;
	attach?: { name: string; mode: AttachMode };
	exitOnDetach?: boolean;
}

// Autowrap off while we paint: a frame laid out for the old size, drawn just after the
// window shrank, then overwrites the last column instead of scrolling the screen.
const ENTER = '\x1b[?1049h\x1b[?7l\x1b[?25l\x1b[H\x1b[2J';
// Attributes reset, autowrap and cursor back, main screen back (it holds the user's shell).
const LEAVE = '\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l';

export async function runTui(opts: RunOptions): Promise<void> {
	const stdin = process.stdin;
	const stdout = process.stdout;
	if (!stdin.isTTY || !stdout.isTTY) throw new UserError('the TUI needs a terminal: stdin and stdout must be a tty');

	let onScreen = false;
	let finish: () => void = () => {};
	const done = new Promise<void>((resolve) => (finish = resolve));
	const write = (s: string) => {
		if (onScreen) stdout.write(s);
	};
	const painter = new Painter(write);
	// Behind a slow link, frames wait for the terminal instead of queueing in memory; the
	// next frame is a diff against what was written, so skipping frames loses nothing.
	const render = (view: Parameters<Painter['paint']>[0]) => {
		if (stdout.writableLength > 64 * 1024) stdout.once('drain', () => controller.invalidate());
		else painter.paint(view);
	};
	const controller = new Controller({
		feed: opts.feed,
		prefix: opts.prefix,
		depth: detectColorDepth(process.env, true),
		size: () => ({ width: stdout.columns || 80, height: stdout.rows || 24 }),
		attach: opts.attach,
		exitOnDetach: opts.exitOnDetach,
		render: (view) => render(view),
		quit: () => finish(),
	});

	const onData = (chunk: Buffer) => controller.input(chunk);
	const onResize = () => {
		painter.reset();
		controller.resize();
	};
	const restore = () => {
		if (!onScreen) return;
		controller.stop();
		try {
			writeSync(stdout.fd, LEAVE);
		} catch {
			// the terminal is gone (SIGHUP): nothing to restore
		}
		onScreen = false;
		try {
			if (stdin.isTTY) stdin.setRawMode(false);
		} catch {
			// same
		}
		stdin.off('data', onData);
		stdout.off('resize', onResize);
		stdin.pause();
	};
	const onSignal = (signal: NodeJS.Signals) => {
		restore();
		opts.feed.close();
		process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[signal]);
	};
	const onCrash = (err: unknown) => {
		restore();
		process.stderr.write(`obsdtui: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(70);
	};

	writeSync(stdout.fd, ENTER);
	onScreen = true;
	stdin.setRawMode(true);
	stdin.resume();
	stdin.on('data', onData);
	stdout.on('resize', onResize);
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);
	process.on('uncaughtException', onCrash);
	process.on('exit', restore);

	try {
		await done;
	} finally {
		restore();
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		process.off('uncaughtException', onCrash);
		process.off('exit', restore);
		opts.feed.close();
	}
}
