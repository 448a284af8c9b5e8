// The viewer's own model of a guest screen: an @xterm/headless terminal of the guest's
// fixed size, fed with the daemon's snapshot and then the raw stream. The TUI never
// forwards guest bytes to the user's terminal; it draws rows from this model, so only
// SGR and cursor moves we generate ourselves ever reach it.
import xterm from '@xterm/headless';
import { colorSgr, type Color, type ColorDepth } from './colors.ts';

type Terminal = InstanceType<typeof xterm.Terminal>;
type Cell = NonNullable<ReturnType<NonNullable<ReturnType<Terminal['buffer']['active']['getLine']>>['getCell']>>;

// xterm throws past 50 MB waiting to be parsed; a viewer that far behind drops input instead.
const MAX_PENDING = 16 * 1024 * 1024;

export interface Match {
	line: number; // absolute buffer line (0 = oldest scrollback line)
	col: number;
	length: number;
}

export class GuestScreen {
	readonly cols: number;
	readonly rows: number;
	private term: Terminal;
	private pending = 0;
	private cell: Cell | undefined;
	private listeners: (() => void)[] = [];

	constructor(cols = 80, rows = 24, scrollback = 50000) {
		this.cols = cols;
		this.rows = rows;
		this.term = new xterm.Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
		this.term.onWriteParsed(() => {
			for (const fn of this.listeners) fn();
		});
	}

	/** Called after xterm has parsed new input: the screen may have changed. */
	onChange(fn: () => void): () => void {
		this.listeners.push(fn);
		return () => {
			this.listeners = this.listeners.filter((f) => f !== fn);
		};
	}

	write(bytes: Uint8Array | string): void {
		if (this.pending > MAX_PENDING) return;
		this.pending += bytes.length;
		this.term.write(bytes, () => {
			this.pending -= bytes.length;
		});
	}

	/** Resolves once everything written so far is on the screen. */
	flush(): Promise<void> {
		return new Promise((resolve) => this.term.write('', resolve));
	}

	get cursor(): { x: number; y: number } {
		const b = this.term.buffer.active;
		return { x: b.cursorX, y: b.cursorY };
	}

	/** Lines in the buffer: scrollback plus the screen. The screen starts at `base`. */
	get length(): number {
		return this.term.buffer.active.length;
	}

	get base(): number {
		return this.term.buffer.active.baseY;
	}

	text(line: number): string {
		return this.term.buffer.active.getLine(line)?.translateToString(true) ?? '';
	}

	/** The visible screen as plain text (tests compare these). */
	screenText(): string[] {
		const out: string[] = [];
		for (let y = 0; y < this.rows; y++) out.push(this.text(this.base + y));
		return out;
	}

	/**
	 * One buffer line, columns [x0, x0 + width), as text with our own SGR. Trailing default
	 * blanks are dropped; `mark` inverts a column range (search hits).
	 */
	renderLine(line: number, x0: number, width: number, depth: ColorDepth, mark?: { col: number; length: number }): string {
		const l = this.term.buffer.active.getLine(line);
		if (!l) return '';
		let out = '';
		let pendingBlank = '';
		let current = '';
		const end = Math.min(this.cols, x0 + width);
		for (let x = x0; x < end; x++) {
			const cell = (this.cell = l.getCell(x, this.cell));
			if (!cell) break;
			const w = cell.getWidth();
			if (w === 0) continue; // the right half of a wide character
			let chars = cell.getChars() || ' ';
			if (cell.isInvisible()) chars = ' ';
			if (w === 2 && x + 1 >= end) chars = ' '; // a wide character cut by the viewport edge
			const marked = mark !== undefined && x >= mark.col && x < mark.col + mark.length;
			const sgr = cellSgr(cell, depth, marked);
			if (chars === ' ' && sgr === '') {
				pendingBlank += ' ';
				continue;
			}
			if (pendingBlank && current !== '') {
				// Default blanks must not carry the previous cell's attributes.
				out += '\x1b[0m';
				current = '';
			}
			if (sgr !== current) {
				out += pendingBlank;
				pendingBlank = '';
				out += sgr === '' ? '\x1b[0m' : `\x1b[0;${sgr}m`;
				current = sgr;
			}
			out += pendingBlank + chars;
			pendingBlank = '';
		}
		if (current !== '') out += '\x1b[0m';
		return out;
	}

	/** The next line at or after/before `from` containing `query` (case-insensitive). */
	search(query: string, from: number, direction: 'up' | 'down'): Match | null {
		if (!query) return null;
		const q = query.toLowerCase();
		const step = direction === 'up' ? -1 : 1;
		for (let line = from; line >= 0 && line < this.length; line += step) {
			const col = this.text(line).toLowerCase().indexOf(q);
			if (col >= 0) return { line, col, length: query.length };
		}
		return null;
	}

	dispose(): void {
		this.listeners = [];
		this.term.dispose();
	}
}

function fg(cell: Cell): Color {
	if (cell.isFgRGB()) return { kind: 'rgb', value: cell.getFgColor() };
	if (cell.isFgPalette()) return { kind: 'palette', index: cell.getFgColor() };
	return { kind: 'default' };
}

function bg(cell: Cell): Color {
	if (cell.isBgRGB()) return { kind: 'rgb', value: cell.getBgColor() };
	if (cell.isBgPalette()) return { kind: 'palette', index: cell.getBgColor() };
	return { kind: 'default' };
}

function cellSgr(cell: Cell, depth: ColorDepth, marked: boolean): string {
	const parts: string[] = [];
	if (cell.isBold()) parts.push('1');
	if (cell.isDim()) parts.push('2');
	if (cell.isItalic()) parts.push('3');
	if (cell.isUnderline()) parts.push('4');
	if (Boolean(cell.isInverse()) !== marked) parts.push('7');
	if (cell.isStrikethrough()) parts.push('9');
	const f = colorSgr(fg(cell), true, depth);
	if (f) parts.push(f);
	const b = colorSgr(bg(cell), false, depth);
	if (b) parts.push(b);
	return parts.join(';');
}
