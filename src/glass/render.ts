// A rasops-like text renderer: draws character cells into a Pixels framebuffer the way
// OpenBSD's rasops(9) does (text area centred, margins black, glyph bits in fg, the rest
// in bg, a cursor by inverting the cell, scrolling by copying whole rows of cells), so
// tests and benches can make frames from real console transcripts. Also the top-left
// layout of Linux's fbcon and its underline cursor. Pure; not used by the product.
import type { Font, Pixels, Rect } from './types.ts';

/** rasops_cmap's first entries (sys/dev/rasops/rasops.c): what OpenBSD's console draws with. */
export const RASOPS = {
	black: 0x000000,
	red: 0x7f0000,
	green: 0x007f00,
	brown: 0x7f7f00,
	blue: 0x00007f,
	magenta: 0x7f007f,
	cyan: 0x007f7f,
	white: 0xc7c7c7,
	brightWhite: 0xffffff,
} as const;

export interface CanvasOptions {
	/** 'center' as rasops with RI_CENTER (the default), 'topleft' as Linux's fbcon. */
	layout?: 'center' | 'topleft';
	/** The colour the whole framebuffer starts with (margins stay this colour). */
	fill?: number;
}

export class TextCanvas {
	readonly px: Pixels;
	readonly font: Font;
	readonly cols: number;
	readonly rows: number;
	/** Pixel position of cell (0, 0). */
	readonly x: number;
	readonly y: number;
	private readonly glyphOf = new Map<string, number>();

	constructor(font: Font, width: number, height: number, opts: CanvasOptions = {}) {
		this.font = font;
		this.px = { width, height, data: new Uint32Array(width * height).fill(opts.fill ?? RASOPS.black) };
		this.cols = Math.floor(width / font.width);
		this.rows = Math.floor(height / font.height);
		// rasops_reconfig: bits += ((width*bpp/8 - emustride) >> 1) & ~3; at 32 bpp that is
		// half the spare pixels, rounded down.
		const centre = (opts.layout ?? 'center') === 'center';
		this.x = centre ? (((width - this.cols * font.width) * 4) >> 1 & ~3) / 4 : 0;
		this.y = centre ? (height - this.rows * font.height) >> 1 : 0;
		for (let i = font.chars.length - 1; i >= 0; i--) if (font.chars[i]) this.glyphOf.set(font.chars[i], i);
	}

	/** Whether the font can draw ch. */
	has(ch: string): boolean {
		return ch === ' ' || this.glyphOf.has(ch);
	}

	cellRect(row: number, col: number, ncols = 1, nrows = 1): Rect {
		const { width, height } = this.font;
		return { x: this.x + col * width, y: this.y + row * height, w: ncols * width, h: nrows * height };
	}

	/** Draw one character (rasops putchar): glyph bits in fg, the rest in bg. */
	putChar(row: number, col: number, ch: string, fg: number, bg: number): Rect {
		if (row < 0 || row >= this.rows || col < 0 || col >= this.cols) throw new Error(`cell ${row},${col} is off the ${this.rows}x${this.cols} grid`);
		const g = this.glyphOf.get(ch);
		if (g === undefined && ch !== ' ') throw new Error(`${this.font.name} has no glyph for U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
		const { width, height, stride, bitmaps } = this.font;
		const r = this.cellRect(row, col);
		const data = this.px.data;
		for (let gy = 0; gy < height; gy++) {
			const at = (r.y + gy) * this.px.width + r.x;
			const rowBits = g === undefined ? -1 : g * height * stride + gy * stride;
			for (let gx = 0; gx < width; gx++) {
				const on = rowBits >= 0 && (bitmaps[rowBits + (gx >> 3)] & (0x80 >> (gx & 7))) !== 0;
				data[at + gx] = on ? fg : bg;
			}
		}
		return r;
	}

	/** Draw text from (row, col); characters past the last column are cut, as a test's screen would be. */
	putText(row: number, col: number, text: string, fg: number, bg: number): Rect {
		const chars = Array.from(text).slice(0, Math.max(0, this.cols - col));
		chars.forEach((ch, i) => this.putChar(row, col + i, ch, fg, bg));
		return this.cellRect(row, col, chars.length);
	}

	/** Erase whole rows to bg (rasops eraserows). */
	eraseRows(row: number, n: number, bg: number): Rect {
		const r = this.cellRect(row, 0, this.cols, n);
		for (let y = r.y; y < r.y + r.h; y++) this.px.data.fill(bg, y * this.px.width + r.x, y * this.px.width + r.x + r.w);
		return r;
	}

	/** Move n rows of cells from src to dst (rasops copyrows): the scroll. Returns the CopyRect. */
	copyRows(src: number, dst: number, n: number): Rect {
		const from = this.cellRect(src, 0, this.cols, n);
		const to = this.cellRect(dst, 0, this.cols, n);
		const { width, data } = this.px;
		const lines = Array.from({ length: from.h }, (_, i) => i);
		if (dst > src) lines.reverse();
		for (const i of lines) data.copyWithin((to.y + i) * width + to.x, (from.y + i) * width + from.x, (from.y + i) * width + from.x + from.w);
		return { ...to, from: { x: from.x, y: from.y } };
	}

	/** The scroll a console does at the bottom line: everything up by n rows, n fresh rows erased. */
	scrollUp(n: number, bg: number): Rect[] {
		return [this.copyRows(n, 0, this.rows - n), this.eraseRows(this.rows - n, n, bg)];
	}

	/** rasops_do_cursor: every pixel of the cell XOR ~0 (the top byte is not a colour). */
	invertCell(row: number, col: number): Rect {
		const r = this.cellRect(row, col);
		for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) this.px.data[y * this.px.width + x] ^= 0xffffff;
		return r;
	}

	/** Linux fbcon's underline cursor: the bottom `lines` pixel rows of the cell swap fg and bg. */
	underlineCursor(row: number, col: number, fg: number, bg: number, lines = 2): Rect {
		const r = this.cellRect(row, col);
		for (let y = r.y + r.h - lines; y < r.y + r.h; y++) {
			for (let x = r.x; x < r.x + r.w; x++) {
				const i = y * this.px.width + x;
				this.px.data[i] = this.px.data[i] === fg ? bg : fg;
			}
		}
		return r;
	}
}

/** A line of a rendered screen: plain text (in the screen's colours) or with its own. */
export type ScreenLine = string | { text: string; fg?: number; bg?: number; reverse?: boolean };

/**
 * Render lines onto a fresh canvas, one per row from the top, rows after them blank, cut
 * to the columns. Colours default to OpenBSD's user output (white on black); kernel
 * output is { fg: RASOPS.white, bg: RASOPS.blue }.
 */
export function renderScreen(font: Font, width: number, height: number, lines: ScreenLine[], opts: CanvasOptions & { fg?: number; bg?: number } = {}): TextCanvas {
	const c = new TextCanvas(font, width, height, opts);
	const fg0 = opts.fg ?? RASOPS.white;
	const bg0 = opts.bg ?? RASOPS.black;
	c.eraseRows(0, c.rows, bg0);
	lines.slice(0, c.rows).forEach((line, row) => {
		const l = typeof line === 'string' ? { text: line } : line;
		let fg = l.fg ?? fg0;
		let bg = l.bg ?? bg0;
		if (l.reverse) [fg, bg] = [bg, fg];
		c.eraseRows(row, 1, bg);
		c.putText(row, 0, l.text, fg, bg);
	});
	return c;
}
