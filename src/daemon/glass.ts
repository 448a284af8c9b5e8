// The glass console of one VM: its framebuffer read as text. Under Apple's Virtualization
// framework OpenBSD's kernel console is the framebuffer (viogpu is the wsdisplay console;
// there is no UART), so boot messages, panics and ddb exist only there.
//
//   RFB framebuffer --reader--> grid of cells --tracker--> final lines + the open line
//        |                                                       |
//        '-- keys (viewers, send --glass, ddb)                    v
//                                     boot.NNN.glass (+ .gidx)  FIRST, then the guest
//                                     parser, `wait`, and the glass viewers' screen
//
// The daemon derives this stream (no helper can: the pixels come over RFB), so unlike the
// serial log it can have holes: whenever continuity cannot be proved (the daemon was not
// running, the resolution or font changed, more than a screen scrolled by between two
// frames) the stream says so with a `[glass: ...]` line. See docs/glass.md.
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { GuestParser } from '../guest/index.ts';
import type { GuestEvent } from '../guest/index.ts';
import { bootGlassIndexPath, bootGlassPath } from '../helper/logfiles.ts';
import { encodeData } from '../common/frame.ts';
import { bytesToStrokes, strokeEvents, type KeyStroke } from '../glass/keys.ts';
import type { FrameHint, GlassScreen, Pixels, Rect, TrackerOutput } from '../glass/types.ts';
import { GAP_PREFIX, rowText } from '../glass/tracker.ts';
import { ConsoleScreen } from './screen.ts';
import { Viewer } from './viewer.ts';

/** What the glass console needs of an RFB connection (src/devices/rfb.ts). */
export interface GlassRfb extends EventEmitter {
	readonly fb: Pixels;
	keyEvent(keysym: number, down: boolean): void;
	close(): void;
}

export interface GlassReaderLike {
	read(px: Pixels, dirty?: Rect[]): GlassScreen | null;
}

export interface GlassTrackerLike {
	push(screen: GlassScreen, hint?: FrameHint): TrackerOutput;
	flush(): string[];
}

export interface GlassOptions {
	dir: string;
	boot: number;
	hangMs: number;
	newReader: () => GlassReaderLike;
	newTracker: () => GlassTrackerLike;
}

export interface GlassStatus {
	state: 'waiting' | 'reading' | 'no text';
	font?: string;
	cols?: number;
	rows?: number;
	width?: number;
	height?: number;
	/** Final lines in this boot's glass stream. */
	lines: number;
	/** Cells of the last frame that matched no glyph. */
	unknown: number;
	open: string;
}

/**
 * A picture still for this long has settled: well above the RFB client's request interval
 * (50 ms) and the guest's flush interval (Linux's deferred I/O 50 ms, viogpu 10 ms).
 */
const SETTLE_MS = 300;
/** A still picture with unknown cells is looked at again this many times, SETTLE_MS apart. */
const UNKNOWN_WAITS = 2;

/** How much final text `wait` can look back over. */
const TEXT_WINDOW = 128 * 1024;

/**
 * Final glass text plus the line being written, for `wait --for`. `$` matches at the end
 * of the open line, so `'ddb\{\d+\}> $'` finds a ddb prompt waiting for input.
 */
export class GlassText {
	private text = '';
	private dropped = 0;
	open = '';

	pushLines(lines: readonly string[]): void {
		if (!lines.length) return;
		this.text += lines.join('\n') + '\n';
		if (this.text.length > TEXT_WINDOW * 2) {
			const cut = this.text.length - TEXT_WINDOW;
			this.text = this.text.slice(cut);
			this.dropped += cut;
		}
	}

	mark(): number {
		return this.dropped + this.text.length;
	}

	/** The final text after `since` (a mark) and the open line: what a pattern is matched against. */
	since(mark: number): string {
		return this.text.slice(Math.max(0, mark - this.dropped)) + this.open;
	}

	match(re: RegExp, since = 0): RegExpExecArray | null {
		return re.exec(this.since(since));
	}
}

export class GlassConsole extends EventEmitter {
	readonly parser: GuestParser;
	readonly text = new GlassText();
	readonly viewers = new Set<Viewer>();
	/** The recognised text as a terminal: what glass viewers see (cols x rows of the glass). */
	screen: ConsoleScreen;
	private reader: GlassReaderLike;
	private tracker: GlassTrackerLike;
	private rfb?: GlassRfb;
	private fd: number;
	private idxFd: number;
	private size: number;
	private lineCount = 0;
	private last?: GlassScreen;
	private pendingHint?: FrameHint;
	/** What of the open line the parser has been given (it only grows, usually). */
	private fedOpen = '';
	/** The stream's last lines before this daemon started: a restart must not repeat them. */
	private seed: string[] = [];
	private lastTimeMs = 0;
	/** Fires once the picture has been still for SETTLE_MS: see frame(). */
	private settleTimer?: NodeJS.Timeout;
	/**
	 * The newest screen read; how many updates came since a screen was last given to the
	 * tracker, and the last one's rectangles (a lone CopyRect update is a scroll hint).
	 */
	private latest?: GlassScreen;
	private updatesSincePush = 0;
	private lastRects?: Rect[];
	/** The screen last given to the tracker. */
	private pushed?: GlassScreen;
	private settleWaits = 0;

	constructor(opts: GlassOptions) {
		super();
		this.reader = opts.newReader();
		this.tracker = opts.newTracker();
		this.parser = new GuestParser({ hangMs: opts.hangMs });
		this.screen = new ConsoleScreen(80, 25);
		const path = bootGlassPath(opts.dir, opts.boot);
		const had = existsSync(path);
		this.fd = openSync(path, 'a', 0o600);
		this.idxFd = openSync(bootGlassIndexPath(opts.dir, opts.boot), 'a', 0o600);
		this.size = fstatSync(this.fd).size;
		if (had && this.size > 0) this.resume(path);
	}

	/** A daemon restart: the stream so far goes to the parser and `wait`, and seeds the overlap check. */
	private resume(path: string): void {
		const text = readFileSync(path, 'utf8');
		const lines = text.split('\n');
		lines.pop();
		this.lineCount = lines.length;
		this.parser.push(Buffer.from(text, 'utf8'), Date.now());
		this.text.pushLines(lines.slice(-2000));
		this.seed = lines.slice(-200);
		this.pendingHint = { discontinuity: 'the daemon was not watching' };
		this.toScreen(lines.slice(-200), '');
	}

	/** A new RFB connection (the first, or after a reconnect). */
	attachRfb(rfb: GlassRfb): void {
		this.rfb?.close();
		this.rfb = rfb;
		if (this.last || this.lineCount) this.pendingHint = { discontinuity: this.pendingHint?.discontinuity ?? 'the framebuffer connection was lost' };
		rfb.on('update', (rects: Rect[]) => this.frame(rects));
		rfb.on('resize', (w: number, h: number) => {
			this.pendingHint = { discontinuity: `the resolution changed to ${w}x${h}` };
			this.frame();
		});
		rfb.on('close', () => {
			if (this.rfb === rfb) this.rfb = undefined;
			this.emit('changed');
		});
		this.frame();
	}

	get connected(): boolean {
		return this.rfb !== undefined;
	}

	status(): GlassStatus {
		const s = this.last;
		return {
			state: !this.rfb ? 'waiting' : s ? 'reading' : 'no text',
			font: s?.font,
			cols: s?.cols,
			rows: s?.rows,
			width: this.rfb?.fb.width,
			height: this.rfb?.fb.height,
			lines: this.lineCount,
			unknown: s?.unknown ?? 0,
			open: this.text.open,
		};
	}

	/**
	 * An RFB update (or a new connection: no rects). The reader keeps up with every update
	 * (its cells are a cache of the picture), but the tracker is only given a screen that
	 * is confirmed: the picture stayed still on it, or the next screen continues it (every
	 * row of it is in the next one, moved up alike). A frame taken while the guest draws
	 * can show a row half redrawn, rows half moved, a row missing: the next screen does
	 * not continue it, so it is never given (docs/glass.md).
	 */
	private frame(rects?: Rect[]): void {
		if (!this.rfb) return;
		const previous = this.latest;
		this.latest = this.reader.read(this.rfb.fb, rects) ?? undefined;
		this.updatesSincePush++;
		this.lastRects = rects;
		this.settleWaits = 0;
		clearTimeout(this.settleTimer);
		this.settleTimer = setTimeout(() => this.settle(), SETTLE_MS);
		this.settleTimer.unref();
		if (previous && this.latest && previous !== this.pushed && !halfDrawn(previous) && continues(previous, this.latest)) this.push(previous);
	}

	/** The picture has been still for SETTLE_MS: what it shows is what the guest drew. */
	private settle(): void {
		const s = this.latest;
		if (!s) return;
		// Unknown cells on a still picture: a glyph half drawn by a guest that paused (a
		// loaded host), or cells really unknown. Wait a little longer before believing it.
		if (s.unknown > 0 && this.settleWaits < UNKNOWN_WAITS) {
			this.settleWaits++;
			this.settleTimer = setTimeout(() => this.settle(), SETTLE_MS);
			this.settleTimer.unref();
			return;
		}
		// Twice: a screen the tracker holds back as unsure is real once it is seen again.
		this.push(s);
		this.push(s);
	}

	private push(screen: GlassScreen): void {
		this.pushed = screen;
		const single = this.updatesSincePush === 1;
		this.updatesSincePush = 0;
		// A new font on the same grid (a loadfont, wsfontload) is no break: the rows read the
		// same text. A new grid is one, and the tracker marks it itself.
		let hint: FrameHint | undefined = this.pendingHint;
		const prev = this.last;
		if (!hint && single) {
			const scrolled = copyScroll(this.lastRects, screen);
			if (scrolled) hint = { scrolled };
		}
		this.pendingHint = undefined;
		if (!prev || prev.font !== screen.font || prev.cols !== screen.cols || prev.rows !== screen.rows) this.geometry(screen);
		this.last = screen;
		const out = this.tracker.push(screen, hint);
		let lines = out.lines;
		if (this.seed.length) lines = this.dropRepeated(lines);
		this.commit(lines, out.open);
	}

	/**
	 * After a restart the tracker starts from nothing: its first frame repeats the screen
	 * that is already at the end of the stream. Where the new frame's first rows are the
	 * stream's last lines, continuity is proved and the gap line and repeats are dropped.
	 */
	private dropRepeated(lines: string[]): string[] {
		const seed = this.seed;
		this.seed = [];
		const body = lines[0]?.startsWith(GAP_PREFIX) ? lines.slice(1) : lines;
		for (let k = Math.min(seed.length, body.length); k >= 2; k--) {
			let same = true;
			for (let i = 0; i < k && same; i++) same = seed[seed.length - k + i] === body[i];
			if (same) return body.slice(k);
		}
		return lines;
	}

	private geometry(s: GlassScreen): void {
		this.index('e', JSON.stringify({ event: 'glass', font: s.font, cols: s.cols, rows: s.rows, width: this.rfb?.fb.width, height: this.rfb?.fb.height }));
		if (s.cols !== this.screen.cols || s.rows !== this.screen.rows) {
			this.screen.dispose();
			this.screen = new ConsoleScreen(s.cols, s.rows);
			for (const v of this.viewers) this.sendSnapshot(v);
		}
	}

	private index(kind: 't' | 'e', rest?: string): void {
		writeSync(this.idxFd, `${kind} ${this.size} ${Date.now()}${rest === undefined ? '' : ` ${rest}`}\n`);
	}

	/** The log first, then everything that reads it. */
	private commit(lines: string[], open: string): void {
		const now = Date.now();
		if (lines.length) {
			if (now - this.lastTimeMs >= 100) {
				this.index('t');
				this.lastTimeMs = now;
			}
			const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
			writeSync(this.fd, bytes);
			this.size += bytes.length;
			this.lineCount += lines.length;
		}
		const events = this.feedParser(lines, open, now);
		this.text.pushLines(lines);
		const openChanged = open !== this.text.open;
		this.text.open = open;
		if (lines.length || openChanged) this.toScreen(lines, open);
		if (lines.length || openChanged) this.emit('text');
		if (events.length || lines.length) this.emit('changed');
	}

	private feedParser(lines: string[], open: string, now: number): GuestEvent[] {
		const parts: string[] = [];
		for (const line of lines) {
			// The parser already has the start of this line if it was open before.
			if (this.fedOpen && line.startsWith(this.fedOpen)) parts.push(line.slice(this.fedOpen.length) + '\n');
			else parts.push((this.fedOpen ? '\n' : '') + line + '\n');
			this.fedOpen = '';
		}
		if (open.startsWith(this.fedOpen)) {
			parts.push(open.slice(this.fedOpen.length));
		} else {
			// An edited open line (backspace): end what the parser has, give it the new text.
			parts.push('\n' + open);
		}
		this.fedOpen = open;
		const data = parts.join('');
		return data ? this.parser.push(Buffer.from(data, 'utf8'), now) : [];
	}

	/** Glass viewers see the stream as a terminal: final lines scroll, the open line is redrawn. */
	private toScreen(lines: readonly string[], open: string): void {
		let s = '';
		for (const l of lines) s += `\r\x1b[K${l}\r\n`;
		s += `\r\x1b[K${open}`;
		const bytes = Buffer.from(s, 'utf8');
		this.screen.write(bytes);
		if (this.viewers.size) {
			const frame = encodeData(bytes);
			for (const v of this.viewers) v.dataFrame(frame);
		}
	}

	tick(now: number): GuestEvent[] {
		return this.parser.tick(now);
	}

	// --- viewers and typing ------------------------------------------------------

	sendSnapshot(v: Viewer): void {
		void this.screen.flush().then(() => {
			if (this.viewers.has(v)) v.snapshot({ cols: this.screen.cols, rows: this.screen.rows, glass: true }, this.screen.snapshot());
		});
	}

	attach(socket: Socket, who: string, mode: 'rw' | 'spy'): Viewer {
		const v = new Viewer(socket, who, mode, () => this.sendSnapshot(v));
		v.writer = mode === 'rw';
		this.viewers.add(v);
		this.sendSnapshot(v);
		return v;
	}

	detach(v: Viewer): boolean {
		v.close();
		return this.viewers.delete(v);
	}

	/** Terminal bytes as key presses on the glass. */
	type(bytes: Buffer | string): number {
		return this.strokes(bytesToStrokes(bytes));
	}

	strokes(strokes: readonly KeyStroke[]): number {
		const rfb = this.rfb;
		if (!rfb) throw new Error('the glass console is not connected');
		for (const [keysym, down] of strokeEvents(strokes)) rfb.keyEvent(keysym, down);
		return strokes.length;
	}

	/** The VM stopped: the open line is final now. */
	end(): void {
		clearTimeout(this.settleTimer);
		const lines = this.tracker.flush();
		if (lines.length) this.commit(lines, '');
		this.rfb?.close();
		this.rfb = undefined;
	}

	dispose(): void {
		clearTimeout(this.settleTimer);
		this.rfb?.close();
		this.rfb = undefined;
		for (const v of this.viewers) v.socket.destroy();
		this.viewers.clear();
		this.screen.dispose();
		closeSync(this.fd);
		closeSync(this.idxFd);
	}
}

/**
 * The marks of a frame caught while the guest draws: a cell that is no glyph, or a row
 * shown twice in a row (the text area half moved up). Real output can show either; a
 * settled picture is believed all the same, only a frame in a flood is passed over.
 */
function halfDrawn(s: GlassScreen): boolean {
	if (s.unknown > 0) return true;
	let prev = '';
	for (const row of s.cells) {
		const text = rowText(row);
		if (text !== '' && text === prev) return true;
		prev = text;
	}
	return false;
}

/**
 * Whether `g` continues `f`: f's rows from some row on are g's first rows, unchanged (f's
 * last row with text may have grown), over at least three rows or all of f's text.
 */
function continues(f: GlassScreen, g: GlassScreen): boolean {
	if (f.rows !== g.rows || f.cols !== g.cols) return false;
	const a = f.cells.map(rowText);
	const b = g.cells.map(rowText);
	let last = a.length - 1;
	while (last >= 0 && a[last] === '') last--;
	if (last < 0) return true;
	for (let k = 0; k <= Math.max(0, last - 2); k++) {
		let ok = true;
		for (let i = k; i <= last && ok; i++) ok = i === last ? b[i - k].startsWith(a[i]) : b[i - k] === a[i];
		if (ok) return true;
	}
	return false;
}

/**
 * Rows the text area moved up, when the update is one CopyRect of the grid's width moving
 * pixels up by whole rows (how rasops' copyrows reaches an RFB server that sends CopyRect).
 */
function copyScroll(rects: Rect[] | undefined, s: GlassScreen): number | undefined {
	const copy = rects?.find((r) => r.from && r.from.x === r.x && r.from.y > r.y);
	if (!copy?.from) return undefined;
	const dy = copy.from.y - copy.y;
	return dy % s.cellHeight === 0 ? dy / s.cellHeight : undefined;
}
