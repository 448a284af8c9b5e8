// Grid-level helpers for the glass tests: GlassScreen values built from strings, and a
// stand-in for the OpenBSD console's text placement (wsemul_vt100 over rasops: writes at
// the cursor, autowraps at the last column, scrolls the whole text area up by one row at
// the bottom). The stand-in places characters on a grid only; no pixels, no escape
// sequences. The real console is exercised by the QEMU tests of the glass path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cell, GlassScreen } from '../../src/glass/types.ts';

const FG = 0xc7c7c7;
const BG = 0x00007f;

// Screens share their cells: a row with the same text is the same (never modified) array,
// so thousands of screens fit in memory for the property tests and the bench.
const rowCache = new Map<string, Cell[]>();
function cellsOf(text: string, cols: number): Cell[] {
	const key = `${cols}\0${text}`;
	let row = rowCache.get(key);
	if (!row) {
		const chars = [...text];
		row = [];
		for (let c = 0; c < cols; c++) {
			const ch = chars[c] ?? ' ';
			row.push({ ch, fg: ch === ' ' ? BG : FG, bg: BG });
		}
		rowCache.set(key, row);
	}
	return row;
}

/** A GlassScreen of `rows` x `cols` showing `lines` from the top (missing rows are blank). */
export function screenOf(lines: string[], geo: { cols: number; rows: number; cursor?: { row: number; col: number } }): GlassScreen {
	const cells: Cell[][] = [];
	for (let r = 0; r < geo.rows; r++) cells.push(cellsOf(lines[r] ?? '', geo.cols));
	return {
		font: 'spleen-8x16',
		cellWidth: 8,
		cellHeight: 16,
		x: 0,
		y: 0,
		cols: geo.cols,
		rows: geo.rows,
		cells,
		unknown: cells.flat().filter((c) => c.ch === '\uFFFD').length,
		cursor: geo.cursor,
	};
}

/** OpenBSD's geometries (issue 8): 1024x768, 1280x800 and 1920x1080 with Spleen 8x16 and 12x24. */
export const GEOMETRIES = {
	'1024x768 8x16': { cols: 128, rows: 48 },
	'1280x800 8x16': { cols: 160, rows: 50 },
	'1920x1080 8x16': { cols: 240, rows: 67 },
	'1024x768 12x24': { cols: 85, rows: 32 },
	'1280x800 12x24': { cols: 106, rows: 33 },
	'1920x1080 12x24': { cols: 160, rows: 45 },
} as const;

/** Stand-in for the console's text placement (see the top of this file). */
export class ConsoleStandIn {
	private grid: string[][];
	row = 0;
	col = 0;
	/** The cursor sits on the last column after writing it; the next character wraps first. */
	private pendingWrap = false;

	constructor(
		readonly cols: number,
		readonly rows: number,
	) {
		this.grid = Array.from({ length: rows }, () => Array(cols).fill(' '));
	}

	write(s: string): this {
		for (const ch of s) {
			if (ch === '\n') this.newline();
			else if (ch === '\r') {
				this.col = 0;
				this.pendingWrap = false;
			} else if (ch === '\b') {
				if (this.pendingWrap) this.pendingWrap = false;
				else if (this.col > 0) this.col--;
			} else if (ch === '\t') {
				if (this.pendingWrap) continue;
				this.col = Math.min(this.cols - 1, (Math.floor(this.col / 8) + 1) * 8);
			} else {
				if (this.pendingWrap) this.newline();
				this.grid[this.row][this.col] = ch;
				if (this.col === this.cols - 1) this.pendingWrap = true;
				else this.col++;
			}
		}
		return this;
	}

	/** `clear`: blank screen, cursor home. */
	clear(): this {
		for (const r of this.grid) r.fill(' ');
		this.row = this.col = 0;
		this.pendingWrap = false;
		return this;
	}

	/** Rewrite one row in place (what a full-screen program does). */
	put(row: number, text: string): this {
		this.grid[row].fill(' ');
		[...text].slice(0, this.cols).forEach((ch, i) => (this.grid[row][i] = ch));
		return this;
	}

	screen(opts: { cursor?: boolean } = {}): GlassScreen {
		const cursor = opts.cursor === false ? undefined : { row: this.row, col: this.col };
		return screenOf(
			this.grid.map((r) => r.join('')),
			{ cols: this.cols, rows: this.rows, cursor },
		);
	}

	private newline(): void {
		this.col = 0;
		this.pendingWrap = false;
		if (this.row < this.rows - 1) this.row++;
		else {
			this.grid.shift();
			this.grid.push(Array(this.cols).fill(' '));
		}
	}
}

/** A transcript's lines, without the fixture's "# source:" header line. */
export function transcript(name: string): string[] {
	const text = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'openbsd', name), 'utf8');
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	if (lines[0]?.startsWith('# source:')) lines.shift();
	return lines;
}

/**
 * The rows a transcript's lines take on a screen `cols` wide: tabs to the next multiple of
 * 8, lines longer than the screen cut into rows, trailing spaces trimmed. (Tabs are only at
 * the start of a line in the fixtures, so the last-column tab rule does not arise.)
 */
export function glassRows(lines: string[], cols: number): string[] {
	const out: string[] = [];
	for (const line of lines) {
		let x = '';
		for (const ch of line) x += ch === '\t' ? ' '.repeat(8 - (x.length % 8)) : ch;
		if (x === '') out.push('');
		for (let i = 0; i < x.length; i += cols) out.push(x.slice(i, i + cols).replace(/ +$/, ''));
	}
	return out;
}

/** A seeded PRNG (mulberry32), so a failing property run can be repeated. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
