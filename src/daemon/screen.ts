// The authoritative screen of one console: an @xterm/headless terminal fed with every
// console byte. Viewers that attach (or fall behind) get a snapshot of it, serialized
// as ANSI text that recreates the screen and recent scrollback in a fresh terminal of
// the same size.
import xterm from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';

/** Lines of scrollback a snapshot carries (docs/client-protocol.md). */
export const SNAPSHOT_SCROLLBACK = 200;
/**
 * Lines of scrollback kept: a little more than snapshots use. Each line of an 80-column
 * screen costs about 2 KB in @xterm/headless; 5000 lines were 10 MB per console, most of
 * a daemon's memory, for history nothing reads (the TUI's scrollback reads the log).
 */
const KEEP_SCROLLBACK = 2 * SNAPSHOT_SCROLLBACK;

/** Past this many bytes waiting to be parsed the screen stops taking input and is rebuilt later. */
const MAX_PENDING = 4 * 1024 * 1024;

export class ConsoleScreen {
	readonly cols: number;
	readonly rows: number;
	private term: InstanceType<typeof xterm.Terminal>;
	private serializer: InstanceType<typeof serializeAddon.SerializeAddon>;
	private pending = 0;
	/** Input was dropped because the parser fell behind; rebuild from the log tail when idle. */
	stale = false;

	constructor(cols: number, rows: number, scrollback = KEEP_SCROLLBACK) {
		this.cols = cols;
		this.rows = rows;
		// logLevel off: xterm logs every parse error (each DEL, each bad sequence) with a
		// dump of its state, so a guest printing noise would flood daemon.log.
		this.term = new xterm.Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
		this.serializer = new serializeAddon.SerializeAddon();
		this.term.loadAddon(this.serializer as never);
	}

	write(bytes: Uint8Array): void {
		if (this.pending > MAX_PENDING) {
			this.stale = true;
			return;
		}
		this.pending += bytes.length;
		this.term.write(bytes, () => {
			this.pending -= bytes.length;
		});
	}

	/** True when everything written so far has been parsed. */
	get idle(): boolean {
		return this.pending === 0;
	}

	/** Start over from `tail` (the last part of the log), after input was dropped. */
	rebuild(tail: Uint8Array): void {
		this.term.reset();
		this.stale = false;
		this.pending = 0;
		this.write(tail);
	}

	/** Resolves once everything written so far has been parsed. */
	flush(): Promise<void> {
		return new Promise((resolve) => this.term.write('', resolve));
	}

	/** ANSI text that recreates the screen plus up to `scrollback` lines above it. */
	snapshot(scrollback = SNAPSHOT_SCROLLBACK): string {
		return this.serializer.serialize({ scrollback });
	}

	/** The visible screen as plain text lines (tests, `wait`, debugging). */
	lines(): string[] {
		const buf = this.term.buffer.active;
		const out: string[] = [];
		for (let y = 0; y < this.rows; y++) out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
		return out;
	}

	dispose(): void {
		this.term.dispose();
	}
}
