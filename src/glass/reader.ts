// The glyph reader: a framebuffer (Pixels) -> a grid of characters with colours (GlassScreen).
//
// How a cell is read. A console draws a character cell in two colours: the glyph's bits in
// the foreground, the rest in the background. So a cell's pixels are split by colour into
// a bit mask (bit set where the pixel differs from the cell's top-left pixel), and that
// mask must equal a glyph's bitmap or its complement EXACTLY; the glyph's orientation then
// says which colour is the foreground. Any colours work (white on blue kernel output, white
// on black userland, reverse video). A cell of one colour is a space with fg === bg. A cell
// with three colours, or whose mask is no glyph, is U+FFFD and counted: never a guess.
//
// Where the grid is. The cell size and the grid's origin are found, not assumed (OpenBSD's
// rasops centres the text area; Linux's fbcon starts at 0,0; another font may be loaded):
// ink pixels are sampled across the frame and every (font, origin) candidate is scored by
// how many sampled cells it reads as glyphs.
//
// The cursor. rasops inverts the cursor cell (every pixel XOR ~0), so its colours are the
// complements of its neighbours' background; Linux's fbcon XORs the bottom rows of the
// cell (underline). Either way the cell is reported with its un-inverted colours and its
// position in `cursor`.
//
// Speed. Glyphs are indexed by a hash of their rows; a cell costs one pass over its
// pixels (Uint32 compares, no allocation) and one Map look-up. With dirty rectangles only
// the cells they touch are read again, and a CopyRect that moves whole cells moves the
// cells already read. Pure: no I/O.
import type { Cell, Font, GlassScreen, Pixels, Rect } from './types.ts';
import { MAX_FONT_WIDTH } from './psf.ts';

const REPLACEMENT = '\ufffd';
/** Pixels hold 0xRRGGBB; the cursor inverts the colour bits. */
const INVERT = 0xffffff;
/** Ink pixels sampled to find the grid. */
const SAMPLES = 48;
/** A glyph bitmap that many characters share (a "missing glyph" box) names none of them. */
const MAX_LOOKALIKES = 2;

interface Glyph {
	/** Normalised rows: the glyph's bitmap, complemented when its top-left pixel is ink. */
	rows: Int32Array;
	/** '' when the bitmap cannot name one character (see MAX_LOOKALIKES). */
	ch: string;
	/** The normalised rows are the complement: the cell's top-left colour is the foreground. */
	inverted: boolean;
	/** Cell objects by fg * 2^24 + bg: cells are immutable and shared. */
	cells: Map<number, Cell>;
	/**
	 * A block against one side of the cell (U+258C ▌, U+2590 ▐, quadrants): any vertical
	 * edge between two colour areas reads as one, so it is no evidence of a text grid.
	 */
	edge: boolean;
}

/** Whether a glyph is one run of bits, the same in every row that has any, against a side. */
function isEdge(rows: Int32Array, width: number): boolean {
	let run = 0;
	for (const r of rows) {
		if (!r) continue;
		if (run && r !== run) return false;
		run = r;
	}
	if (!run) return false;
	let bits = run >>> 0;
	while ((bits & 1) === 0) bits >>>= 1;
	// Contiguous ones: 0b0111 & 0b1000 === 0.
	const contiguous = (bits & (bits + 1)) === 0;
	return contiguous && ((run & 1) !== 0 || (run & (1 << (width - 1))) !== 0);
}

/** One font's glyphs indexed for exact matching. */
class GlyphTable {
	readonly font: Font;
	readonly width: number;
	readonly height: number;
	readonly full: number;
	private readonly byHash = new Map<number, Glyph[]>();
	/** Glyphs whose top-left pixel is background, by a hash of their rows with the underline row cleared. */
	private readonly byUnderlined = new Map<number, Glyph[]>();
	/** Per row, the normalised row masks any glyph has: a misaligned cell fails within a few rows. */
	readonly rowSets: Set<number>[];

	constructor(font: Font) {
		if (font.width > MAX_FONT_WIDTH) throw new Error(`font ${font.name}: glyphs wider than ${MAX_FONT_WIDTH} pixels are not supported`);
		this.font = font;
		this.width = font.width;
		this.height = font.height;
		this.full = font.width === 32 ? -1 : (1 << font.width) - 1;
		this.rowSets = Array.from({ length: font.height }, () => new Set<number>());
		const glyphBytes = font.stride * font.height;
		const count = Math.min(font.chars.length, Math.floor(font.bitmaps.length / glyphBytes));
		// Group glyphs by bitmap: fonts repeat a bitmap for look-alikes (' and U+2019) and
		// for a "missing glyph" box.
		const groups = new Map<string, { rows: Int32Array; chars: string[] }>();
		for (let g = 0; g < count; g++) {
			if (!font.chars[g]) continue;
			const rows = new Int32Array(font.height);
			for (let y = 0; y < font.height; y++) {
				let m = 0;
				for (let x = 0; x < font.width; x++) {
					if (font.bitmaps[g * glyphBytes + y * font.stride + (x >> 3)] & (0x80 >> (x & 7))) m |= 1 << x;
				}
				rows[y] = m;
			}
			const key = rows.join(',');
			const group = groups.get(key);
			if (group) group.chars.push(font.chars[g]);
			else groups.set(key, { rows, chars: [font.chars[g]] });
		}
		for (const { rows, chars } of groups.values()) {
			const distinct = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
			// ASCII first (a straight quote over its curly look-alike); else one of a pair of
			// look-alikes; a bitmap shared more widely is a placeholder and names nothing.
			const ch = distinct[0].codePointAt(0)! < 0x80 || distinct.length <= MAX_LOOKALIKES ? distinct[0] : '';
			const inverted = (rows[0] & 1) !== 0;
			const norm = inverted ? rows.map((r) => ~r & this.full) : rows;
			norm.forEach((r, y) => this.rowSets[y].add(r));
			const h = hashRows(norm);
			const list = this.byHash.get(h) ?? [];
			const glyph: Glyph = { rows: norm, ch, inverted, cells: new Map(), edge: isEdge(rows, font.width) };
			list.push(glyph);
			this.byHash.set(h, list);
			if (!inverted && font.height >= 4) {
				const u = hashRows(norm.map((r, y) => (y === font.height - 2 ? 0 : r)));
				this.byUnderlined.set(u, [...(this.byUnderlined.get(u) ?? []), glyph]);
			}
		}
	}

	/**
	 * The glyph under rasops' underline attribute (row height-2 filled with the foreground):
	 * the one glyph equal to `rows` on every other row. Several (they differ only on that
	 * row): none, the cell cannot say which.
	 */
	underlined(rows: Int32Array): Glyph | undefined {
		const u = this.height - 2;
		let h = 0x811c9dc5;
		for (let y = 0; y < rows.length; y++) h = Math.imul(h ^ (y === u ? 0 : rows[y]), 0x01000193) ^ (h >>> 15);
		let found: Glyph | undefined;
		for (const g of this.byUnderlined.get(h) ?? []) {
			let same = true;
			for (let y = 0; y < rows.length; y++) {
				if (y !== u && g.rows[y] !== rows[y]) {
					same = false;
					break;
				}
			}
			if (!same) continue;
			if (found && found.ch !== g.ch) return undefined;
			found = g;
		}
		return found;
	}

	/** The glyphs whose normalised rows equal `rows` (at most two: a bitmap and its complement). */
	lookup(rows: Int32Array, hash: number): Glyph[] | undefined {
		const list = this.byHash.get(hash);
		if (!list) return undefined;
		let out: Glyph[] | undefined;
		for (const g of list) {
			let same = true;
			for (let y = 0; y < rows.length; y++) {
				if (g.rows[y] !== rows[y]) {
					same = false;
					break;
				}
			}
			if (same) (out ??= []).push(g);
		}
		return out;
	}
}

function hashRows(rows: Int32Array): number {
	let h = 0x811c9dc5;
	for (let y = 0; y < rows.length; y++) h = Math.imul(h ^ rows[y], 0x01000193) ^ (h >>> 15);
	return h;
}

interface Geometry {
	table: GlyphTable;
	x: number;
	y: number;
	cols: number;
	rows: number;
	width: number;
	height: number;
}

/** What scanning one cell found, before it becomes a Cell. */
const Kind = { Blank: 0, Glyph: 1, Unknown: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

export class GlassReader {
	private readonly tables: GlyphTable[];
	private geo: Geometry | null = null;
	private grid: Cell[][] = [];
	private cursorAt: { row: number; col: number } | undefined;
	private unknown = 0;
	// Scratch space for one cell, reused: no allocation per cell.
	private readonly rows: Int32Array;
	private readonly alt: Int32Array;
	private c0 = 0;
	private c1 = 0;
	private hash = 0;
	private readonly blanks = new Map<number, Cell>();
	private readonly unknowns = new Map<number, Cell>();

	constructor(fonts: Font[]) {
		if (!fonts.length) throw new Error('GlassReader needs at least one font');
		this.tables = fonts.map((f) => new GlyphTable(f));
		const maxH = Math.max(...fonts.map((f) => f.height));
		this.rows = new Int32Array(maxH);
		this.alt = new Int32Array(maxH);
	}

	/**
	 * Read a frame. With `dirty`, only the cells those rectangles touch are read again (the
	 * rest is kept from the previous read of a frame of the same size); without, all of it.
	 * null: no text grid could be found. The screen returned is never changed afterwards:
	 * rows that did not change are shared with the previous screen.
	 */
	read(px: Pixels, dirty?: Rect[]): GlassScreen | null {
		const geo = this.geo;
		const sameSize = geo !== null && geo.width === px.width && geo.height === px.height;
		if (!sameSize) return this.fullRead(px, true);
		if (!dirty) return this.fullRead(px, false);
		const before = this.unknown;
		const screen = this.update(px, dirty);
		// A new font or a different layout shows as a burst of unreadable cells.
		if (this.unknown > before && this.unknown > (geo.cols * geo.rows) / 4) return this.fullRead(px, true);
		return screen;
	}

	/** Forget the grid: the next read finds the geometry again. */
	reset(): void {
		this.geo = null;
		this.grid = [];
		this.cursorAt = undefined;
		this.unknown = 0;
	}

	private fullRead(px: Pixels, detect: boolean): GlassScreen | null {
		const old = this.geo && this.geo.width === px.width && this.geo.height === px.height ? this.geo : null;
		if (!detect && old) {
			this.readAll(px, old);
			if (this.unknown <= (old.cols * old.rows) / 4) return this.screen();
		}
		const found = this.detect(px);
		if (!found) {
			// A cleared screen shows no glyphs to find a grid by: the grid of the last frame of
			// this size is kept if every cell still reads (as blanks, mostly).
			if (old) {
				this.readAll(px, old);
				if (this.unknown === 0) return this.screen();
			}
			this.reset();
			return null;
		}
		this.readAll(px, found);
		return this.screen();
	}

	private screen(): GlassScreen {
		const g = this.geo!;
		return {
			font: g.table.font.name,
			cellWidth: g.table.width,
			cellHeight: g.table.height,
			x: g.x,
			y: g.y,
			cols: g.cols,
			rows: g.rows,
			cells: this.grid,
			unknown: this.unknown,
			...(this.cursorAt ? { cursor: { ...this.cursorAt } } : {}),
		};
	}

	private readAll(px: Pixels, geo: Geometry): void {
		this.geo = geo;
		this.cursorAt = undefined;
		this.unknown = 0;
		const grid: Cell[][] = new Array(geo.rows);
		for (let r = 0; r < geo.rows; r++) {
			const line: Cell[] = new Array(geo.cols);
			for (let c = 0; c < geo.cols; c++) {
				line[c] = this.cell(px, geo, r, c);
				if (line[c].ch === REPLACEMENT) this.unknown++;
			}
			grid[r] = line;
		}
		this.grid = grid;
	}

	private update(px: Pixels, dirty: Rect[]): GlassScreen {
		const geo = this.geo!;
		const { cols, rows } = geo;
		const fw = geo.table.width;
		const fh = geo.table.height;
		// Work on a copy of the row list; a row is copied before its first change.
		const grid = this.grid.slice();
		const copied = new Uint8Array(rows);
		const stale = new Uint8Array(rows * cols);
		let cursor = this.cursorAt;
		const writable = (r: number): Cell[] => {
			if (!copied[r]) {
				grid[r] = grid[r].slice();
				copied[r] = 1;
			}
			return grid[r];
		};
		for (const rect of dirty) {
			// Cells the rectangle touches, and those it covers whole.
			const c0 = Math.max(0, Math.floor((rect.x - geo.x) / fw));
			const c1 = Math.min(cols, Math.ceil((rect.x + rect.w - geo.x) / fw));
			const r0 = Math.max(0, Math.floor((rect.y - geo.y) / fh));
			const r1 = Math.min(rows, Math.ceil((rect.y + rect.h - geo.y) / fh));
			if (c0 >= c1 || r0 >= r1) continue;
			const from = rect.from;
			const dx = from ? rect.x - from.x : 0;
			const dy = from ? rect.y - from.y : 0;
			if (!from || dx % fw !== 0 || dy % fh !== 0) {
				for (let r = r0; r < r1; r++) stale.fill(1, r * cols + c0, r * cols + c1);
				continue;
			}
			// A CopyRect by whole cells moves what was read; cells it covers in part are read again.
			const fc0 = Math.max(0, Math.ceil((rect.x - geo.x) / fw));
			const fc1 = Math.min(cols, Math.floor((rect.x + rect.w - geo.x) / fw));
			const fr0 = Math.max(0, Math.ceil((rect.y - geo.y) / fh));
			const fr1 = Math.min(rows, Math.floor((rect.y + rect.h - geo.y) / fh));
			const dc = dx / fw;
			const dr = dy / fh;
			// The common case, a scroll: whole rows move. Move the row arrays (they are never
			// changed in place), not the cells.
			if (dc === 0 && fc0 === 0 && fc1 === cols && fr0 === r0 && fr1 === r1 && r0 - dr >= 0 && r1 - dr <= rows) {
				const src = grid.slice(r0 - dr, r1 - dr);
				const srcCopied = copied.slice(r0 - dr, r1 - dr);
				const srcStale = stale.slice((r0 - dr) * cols, (r1 - dr) * cols);
				for (let r = r0; r < r1; r++) grid[r] = src[r - r0];
				copied.set(srcCopied, r0);
				stale.set(srcStale, r0 * cols);
				// A row array now in two places must be copied again before a change to either.
				const uses = new Map<Cell[], number>();
				for (const row of grid) uses.set(row, (uses.get(row) ?? 0) + 1);
				for (let r = 0; r < rows; r++) if (uses.get(grid[r])! > 1) copied[r] = 0;
				if (cursor && cursor.row >= r0 - dr && cursor.row < r1 - dr) cursor = { row: cursor.row + dr, col: cursor.col };
				else if (cursor && cursor.row >= r0 && cursor.row < r1) cursor = undefined;
				continue;
			}
			// Take the source cells first: source and destination may overlap.
			const moved: { r: number; c: number; cell: Cell; stale: number }[] = [];
			let cursorMoved: { row: number; col: number } | undefined;
			for (let r = r0; r < r1; r++) {
				for (let c = c0; c < c1; c++) {
					const sr = r - dr;
					const sc = c - dc;
					const whole = r >= fr0 && r < fr1 && c >= fc0 && c < fc1;
					if (!whole || sr < 0 || sr >= rows || sc < 0 || sc >= cols) {
						moved.push({ r, c, cell: grid[r][c], stale: 1 });
						continue;
					}
					moved.push({ r, c, cell: grid[sr][sc], stale: stale[sr * cols + sc] });
					if (cursor && cursor.row === sr && cursor.col === sc) cursorMoved = { row: r, col: c };
				}
			}
			if (cursor && cursor.row >= r0 && cursor.row < r1 && cursor.col >= c0 && cursor.col < c1) cursor = undefined;
			for (const m of moved) {
				if (grid[m.r][m.c] !== m.cell) writable(m.r)[m.c] = m.cell;
				stale[m.r * cols + m.c] = m.stale;
			}
			if (cursorMoved) cursor = cursorMoved;
		}
		let unknown = 0;
		this.cursorAt = cursor;
		for (let r = 0; r < rows; r++) {
			for (let c = 0; c < cols; c++) {
				if (stale[r * cols + c]) {
					if (this.cursorAt && this.cursorAt.row === r && this.cursorAt.col === c) this.cursorAt = undefined;
					writable(r)[c] = this.cell(px, geo, r, c);
				}
			}
		}
		for (let r = 0; r < rows; r++) for (const cell of grid[r]) if (cell.ch === REPLACEMENT) unknown++;
		this.grid = grid;
		this.unknown = unknown;
		return this.screen();
	}

	/**
	 * Split the cell at (x0, y0) by colour into this.rows (bit set where a pixel differs
	 * from the top-left one), this.c0 / this.c1 and this.hash. Kind.Unknown: three colours.
	 * `filter` (finding the grid) stops at the first row no glyph has.
	 */
	private scan(data: Uint32Array, stride: number, x0: number, y0: number, t: GlyphTable, filter: boolean): Kind {
		const fw = t.width;
		const fh = t.height;
		const rows = this.rows;
		const c0 = data[y0 * stride + x0];
		let c1 = -1;
		let h = 0x811c9dc5;
		for (let y = 0; y < fh; y++) {
			const at = (y0 + y) * stride + x0;
			let m = 0;
			for (let x = 0; x < fw; x++) {
				const p = data[at + x];
				if (p !== c0) {
					if (c1 === -1) c1 = p;
					else if (p !== c1) return Kind.Unknown;
					m |= 1 << x;
				}
			}
			// The last two rows may carry an underline cursor.
			if (filter && y < fh - 2 && !t.rowSets[y].has(m)) return Kind.Unknown;
			rows[y] = m;
			h = Math.imul(h ^ m, 0x01000193) ^ (h >>> 15);
		}
		this.c0 = c0;
		this.c1 = c1;
		this.hash = h;
		return c1 === -1 ? Kind.Blank : Kind.Glyph;
	}

	/** Read cell (row, col) of the grid. */
	private cell(px: Pixels, geo: Geometry, row: number, col: number): Cell {
		const t = geo.table;
		const x0 = geo.x + col * t.width;
		const y0 = geo.y + row * t.height;
		const kind = this.scan(px.data, px.width, x0, y0, t, false);
		if (kind === Kind.Unknown) return this.unknownCell(px.data[y0 * px.width + x0]);
		const ctx = this.context(px, geo, row, col);
		if (kind === Kind.Blank) {
			const c = this.c0;
			if (!this.cursorAt && ctx !== -1 && c !== ctx && (c ^ INVERT) === ctx) return this.cursorCell(row, col, this.blank(ctx));
			return this.blank(c);
		}
		const rows = this.rows.subarray(0, t.height);
		let found = t.lookup(rows, this.hash);
		let underline = false;
		if (!found && t.height >= 4 && rows[t.height - 2] === t.full) {
			// rasops' underline attribute: the second row from the bottom filled with the
			// foreground over the glyph, which is then known by its other rows.
			const plain = t.underlined(rows);
			if (plain?.ch === ' ') return this.blank(this.c0);
			if (plain) found = [plain];
		}
		if (!found) {
			// Linux's fbcon cursor: the bottom 1 or 2 pixel rows XOR'd.
			for (const n of [2, 1]) {
				const alt = this.alt.subarray(0, t.height);
				alt.set(rows);
				for (let y = t.height - n; y < t.height; y++) alt[y] ^= t.full;
				if (alt.every((r) => r === 0)) {
					if (this.cursorAt) break;
					return this.cursorCell(row, col, this.blank(this.c0));
				}
				found = t.lookup(alt, hashRows(alt));
				if (found) {
					underline = true;
					break;
				}
			}
			if (!found) return this.unknownCell(this.c0);
		}
		// A bitmap and its complement both being glyphs (▀ and ▄): the background is the
		// colour the neighbouring cells show.
		let g = found[0];
		if (found.length > 1 && ctx !== -1) g = found.find((f) => (f.inverted ? this.c1 : this.c0) === ctx) ?? g;
		let fg = g.inverted ? this.c0 : this.c1;
		let bg = g.inverted ? this.c1 : this.c0;
		if (!g.ch) return this.unknownCell(bg);
		let isCursor = underline;
		if (!underline && ctx !== -1 && bg !== ctx && (bg ^ INVERT) === ctx && !this.cursorAt) {
			fg ^= INVERT;
			bg ^= INVERT;
			isCursor = true;
		}
		let cell = g.cells.get(fg * 0x1000000 + bg);
		if (!cell) {
			cell = { ch: g.ch, fg, bg };
			g.cells.set(fg * 0x1000000 + bg, cell);
		}
		return isCursor ? this.cursorCell(row, col, cell) : cell;
	}

	/** The background around a cell: its left neighbour's top-left pixel, else its right one's. -1: none. */
	private context(px: Pixels, geo: Geometry, row: number, col: number): number {
		const y0 = geo.y + row * geo.table.height;
		if (col > 0) return px.data[y0 * px.width + geo.x + (col - 1) * geo.table.width];
		if (col + 1 < geo.cols) return px.data[y0 * px.width + geo.x + (col + 1) * geo.table.width];
		return -1;
	}

	private cursorCell(row: number, col: number, cell: Cell): Cell {
		if (!this.cursorAt) this.cursorAt = { row, col };
		return cell;
	}

	private blank(colour: number): Cell {
		let cell = this.blanks.get(colour);
		if (!cell) {
			cell = { ch: ' ', fg: colour, bg: colour };
			this.blanks.set(colour, cell);
		}
		return cell;
	}

	private unknownCell(bg: number): Cell {
		let cell = this.unknowns.get(bg);
		if (!cell) {
			cell = { ch: REPLACEMENT, fg: bg, bg };
			this.unknowns.set(bg, cell);
		}
		return cell;
	}

	/**
	 * Find the font and the grid's origin: sample ink pixels (a pixel unlike its left
	 * neighbour) across the frame; for every font and every origin within one cell, count
	 * the sampled cells that read as a non-blank glyph (hits) and those that read as
	 * nothing (misses; a one-colour cell says nothing: the edge of a coloured area is not
	 * ink). The most hits wins, the larger cell on a tie, and at least two thirds of the
	 * cells that said something must have read. A candidate that can no longer win stops
	 * early, and the layouts rasops and fbcon use are tried first so the best is high
	 * early: an order, not an assumption.
	 */
	private detect(px: Pixels): Geometry | null {
		const samples = this.samples(px);
		if (!samples.length) return null;
		let best: Geometry | null = null;
		let bestHits = 0;
		for (const t of this.tables) {
			const fw = t.width;
			const fh = t.height;
			if (fw > px.width || fh > px.height) continue;
			const cols = Math.floor(px.width / fw);
			const rows = Math.floor(px.height / fh);
			const cx = ((((px.width - cols * fw) * 4) >> 1) & ~3) / 4;
			const cy = (px.height - rows * fh) >> 1;
			const origins: [number, number][] = [[cx % fw, cy % fh], [0, 0]];
			for (let oy = 0; oy < fh; oy++) for (let ox = 0; ox < fw; ox++) origins.push([ox, oy]);
			const seen = new Set<number>();
			for (const [ox, oy] of origins) {
				if (seen.has(oy * fw + ox)) continue;
				seen.add(oy * fw + ox);
				const gcols = Math.floor((px.width - ox) / fw);
				const grows = Math.floor((px.height - oy) / fh);
				if (gcols < 1 || grows < 1) continue;
				// A tie goes to the larger cell.
				const target = best && fw * fh > best.table.width * best.table.height ? bestHits : bestHits + 1;
				let hits = 0;
				let misses = 0;
				for (let k = 0; k < samples.length; k++) {
					if (hits + samples.length - k < target || misses > samples.length / 3) break;
					const [sx, sy] = samples[k];
					const col = Math.floor((sx - ox) / fw);
					const row = Math.floor((sy - oy) / fh);
					if (sx < ox || sy < oy || col >= gcols || row >= grows) continue;
					const r = this.sampleReads(px, t, ox + col * fw, oy + row * fh);
					if (r === 1) hits++;
					else if (r === -1) misses++;
				}
				if (hits >= target && hits >= 2 * misses) {
					best = { table: t, x: ox, y: oy, cols: gcols, rows: grows, width: px.width, height: px.height };
					bestHits = hits;
				}
			}
		}
		return best;
	}

	/** Whether the cell at (x0, y0) reads as a glyph (1), is one colour (0), or reads as nothing (-1). */
	private sampleReads(px: Pixels, t: GlyphTable, x0: number, y0: number): number {
		const kind = this.scan(px.data, px.width, x0, y0, t, true);
		if (kind === Kind.Blank) return 0;
		if (kind === Kind.Unknown) return -1;
		const rows = this.rows.subarray(0, t.height);
		const found = t.lookup(rows, this.hash);
		if (found) {
			if (found.some((g) => g.edge)) return 0;
			return found.some((g) => g.ch !== '' && g.ch !== ' ') ? 1 : -1;
		}
		for (const n of [2, 1]) {
			const alt = this.alt.subarray(0, t.height);
			alt.set(rows);
			for (let y = t.height - n; y < t.height; y++) alt[y] ^= t.full;
			if (t.lookup(alt, hashRows(alt))) return 1;
		}
		return -1;
	}

	/**
	 * Up to SAMPLES ink pixels spread over the frame, found by scanning forward from evenly
	 * spaced starting points. One per pixel column: the edge of a coloured area (a blue
	 * text area beside black margins) lines up in one column and would otherwise fill the
	 * samples with cells that any grid reads as a half block.
	 */
	private samples(px: Pixels): [number, number][] {
		const { width, height, data } = px;
		const total = width * height;
		const out: [number, number][] = [];
		const columns = new Set<number>();
		const isInk = (i: number): boolean => {
			const x = i % width;
			return x > 0 && data[i] !== data[i - 1] && !columns.has(x);
		};
		const take = (i: number): void => {
			columns.add(i % width);
			out.push([i % width, Math.floor(i / width)]);
		};
		for (let k = 0; k < SAMPLES; k++) {
			// The starts move along a row too, so they do not all begin in one column.
			let i = Math.floor((k * total) / SAMPLES) + ((k * 7919) % width);
			const end = Math.min(total, Math.floor(((k + 1) * total) / SAMPLES) + width);
			while (i < end && !isInk(i)) i++;
			if (i < end) take(i);
		}
		// Too little found in the even spread (a few words on a screen): scan everything.
		if (out.length < 8) for (let i = 1; i < total && out.length < SAMPLES; i++) if (isInk(i)) take(i);
		return out;
	}
}
