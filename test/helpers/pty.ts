// Runs the real obsdtui bundle in a pseudo-terminal and keeps every byte it writes, so
// tests and the benchmark can check exactly what reaches a user's terminal. A headless
// xterm fed with the same bytes shows what the user would see.
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE = join(ROOT, 'dist', 'obsdtui.mjs');

export interface PtyOptions {
	cols?: number;
	rows?: number;
	env?: Record<string, string>;
	/** Run this program instead of the obsdtui bundle (args are then its arguments). */
	file?: string;
}

/** A user's terminal environment: no colour overrides from the test runner (FORCE_COLOR=0). */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
	const env: Record<string, string> = { ...(process.env as Record<string, string>), TERM: 'xterm-256color', CI: 'false', ...extra };
	for (const k of ['FORCE_COLOR', 'NO_COLOR']) if (!(k in extra)) delete env[k];
	return env;
}

export class PtyRun {
	readonly pty: IPty;
	private chunks: Buffer[] = [];
	private bytes = 0;
	private waiters: (() => void)[] = [];
	readonly exited: Promise<{ exitCode: number; signal?: number }>;
	readonly view: InstanceType<typeof xterm.Terminal>;

	constructor(args: string[], opts: PtyOptions = {}) {
		const cols = opts.cols ?? 120;
		const rows = opts.rows ?? 40;
		this.view = new xterm.Terminal({ cols, rows, allowProposedApi: true });
		this.pty = spawn(opts.file ?? process.execPath, opts.file ? args : [BUNDLE, ...args], {
			name: 'xterm-256color',
			cols,
			rows,
			cwd: ROOT,
			// Buffers, not strings: the tests look at exact bytes.
			encoding: null,
			env: userEnv(opts.env),
		});
		this.pty.onData((data: string | Buffer) => {
			const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
			this.chunks.push(b);
			this.bytes += b.length;
			this.view.write(b);
			for (const w of this.waiters.splice(0)) w();
		});
		this.exited = new Promise((resolve) => this.pty.onExit((e) => resolve(e)));
	}

	get written(): number {
		return this.bytes;
	}

	output(): Buffer {
		if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
		return this.chunks[0] ?? Buffer.alloc(0);
	}

	write(keys: string | Buffer): void {
		this.pty.write(typeof keys === 'string' ? keys : (keys.toString('latin1') as never));
	}

	/** Resolves when `check` is true of the output so far; rejects after `ms` (a hang guard). */
	async waitFor(check: (out: Buffer) => boolean, ms = 20000, what = 'output'): Promise<void> {
		const deadline = Date.now() + ms;
		while (!check(this.output())) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last output: ${JSON.stringify(this.output().subarray(-400).toString('latin1'))}`);
			await new Promise<void>((resolve) => {
				this.waiters.push(resolve);
				setTimeout(resolve, 200);
			});
		}
	}

	/** Waits until the screen the user sees contains `text`. */
	async waitForScreen(text: string, ms = 20000): Promise<void> {
		await this.waitFor(() => this.screenText().includes(text), ms, JSON.stringify(text));
	}

	/** What the user's terminal shows now, one string per row. */
	screenLines(): string[] {
		const b = this.view.buffer.active;
		const out: string[] = [];
		for (let y = 0; y < this.view.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
		return out;
	}

	screenText(): string {
		// xterm parses asynchronously; callers poll, so a slightly stale view only delays them.
		return this.screenLines().join('\n');
	}

	/** Resolves once the view has parsed everything received so far. */
	settle(): Promise<void> {
		return new Promise((resolve) => this.view.write('', resolve));
	}

	kill(): void {
		try {
			this.pty.kill();
		} catch {
			// already gone
		}
	}
}
