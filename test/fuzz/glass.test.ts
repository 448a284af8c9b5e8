// Fuzzing the glass console's pure code (src/glass/): the reader never throws on any
// framebuffer and any dirty rectangles, and every screen it returns lies within the frame;
// a font file of any bytes gives a font or a one-line UserError; the scroll tracker never
// throws on any sequence of screens, and no line it writes contains a line break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { UserError } from '../../src/common/errors.ts';
import { parsePsf, MAX_FONT_WIDTH } from '../../src/glass/psf.ts';
import { GlassReader } from '../../src/glass/reader.ts';
import { RASOPS, renderScreen } from '../../src/glass/render.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import { ScrollTracker } from '../../src/glass/tracker.ts';
import type { Cell, GlassScreen, Pixels, Rect } from '../../src/glass/types.ts';
import { params, timeout } from './params.ts';

const FONTS = spleenFonts();
const COLOURS = [RASOPS.black, RASOPS.white, RASOPS.blue, 0xff0000, 0x00ff00, 0x123456];

/** A frame with console text on it (or noise), then scribbled on: pixels and blocks. */
const frame = fc
	.record({
		font: fc.constantFrom(...FONTS),
		width: fc.integer({ min: 0, max: 320 }),
		height: fc.integer({ min: 0, max: 200 }),
		lines: fc.array(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 #$>:-_/|'.split('')), maxLength: 40 }), { maxLength: 12 }),
		noise: fc.boolean(),
		dots: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...COLOURS)), { maxLength: 50 }),
		blocks: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 64 }), fc.nat({ max: 64 }), fc.constantFrom(...COLOURS)), { maxLength: 4 }),
		seed: fc.nat(),
	})
	.map((f): Pixels => {
		let px: Pixels;
		if (f.noise || f.width < f.font.width || f.height < f.font.height) {
			px = { width: f.width, height: f.height, data: new Uint32Array(f.width * f.height) };
			let x = f.seed | 1;
			for (let i = 0; i < px.data.length; i++) {
				x = (x * 1103515245 + 12345) >>> 0;
				px.data[i] = COLOURS[x >>> 29] ?? x & 0xffffff;
			}
		} else px = renderScreen(f.font, f.width, f.height, f.lines, { fg: RASOPS.white, bg: RASOPS.blue }).px;
		for (const [at, c] of f.dots) if (px.data.length) px.data[at % px.data.length] = c;
		for (const [bx, by, bw, bh, c] of f.blocks) {
			for (let y = by % (px.height + 1); y < Math.min(px.height, (by % (px.height + 1)) + bh); y++) {
				for (let x = bx % (px.width + 1); x < Math.min(px.width, (bx % (px.width + 1)) + bw); x++) px.data[y * px.width + x] = c;
			}
		}
		return px;
	});

const rect: fc.Arbitrary<Rect> = fc.record(
	{
		x: fc.integer({ min: -20, max: 400 }),
		y: fc.integer({ min: -20, max: 300 }),
		w: fc.integer({ min: -5, max: 400 }),
		h: fc.integer({ min: -5, max: 300 }),
		from: fc.record({ x: fc.integer({ min: -20, max: 400 }), y: fc.integer({ min: -20, max: 300 }) }),
	},
	{ requiredKeys: ['x', 'y', 'w', 'h'] },
);

function checkScreen(s: GlassScreen, px: Pixels): void {
	assert.ok(s.cols > 0 && s.rows > 0, `a ${s.cols}x${s.rows} grid`);
	assert.ok(
		s.x >= 0 && s.y >= 0 && s.x + s.cols * s.cellWidth <= px.width && s.y + s.rows * s.cellHeight <= px.height,
		`grid ${s.cols}x${s.rows}+${s.x}+${s.y} of ${s.cellWidth}x${s.cellHeight} cells outside ${px.width}x${px.height}`,
	);
	assert.equal(s.cells.length, s.rows);
	for (const row of s.cells) assert.equal(row.length, s.cols);
	assert.ok(s.unknown >= 0 && s.unknown <= s.rows * s.cols);
	if (s.cursor) assert.ok(s.cursor.row >= 0 && s.cursor.row < s.rows && s.cursor.col >= 0 && s.cursor.col < s.cols, `cursor ${JSON.stringify(s.cursor)}`);
}

test('reader: any pixels, any dirty rectangles: no throw, every screen within the frame', { timeout: timeout(180_000) }, () => {
	fc.assert(
		fc.property(
			frame,
			fc.array(fc.tuple(fc.array(fc.tuple(fc.nat(), fc.constantFrom(...COLOURS)), { maxLength: 30 }), fc.option(fc.array(rect, { maxLength: 6 }))), { maxLength: 4 }),
			(px, updates) => {
				const reader = new GlassReader(FONTS);
				const first = reader.read(px);
				if (first) checkScreen(first, px);
				for (const [dots, dirty] of updates) {
					for (const [at, c] of dots) if (px.data.length) px.data[at % px.data.length] = c;
					const s = reader.read(px, dirty ?? undefined);
					if (s) checkScreen(s, px);
				}
			},
		),
		params(0x61a5, 120),
	);
});

// Real fonts to mutate: the Spleen files Debian ships (fonts-spleen), else the built-in ones.
const psfFiles = ['spleen-8x16.psfu.gz', 'spleen-12x24.psfu.gz']
	.map((f) => `/usr/share/consolefonts/${f}`)
	.filter((f) => existsSync(f))
	.map((f) => gunzipSync(readFileSync(f)));
const psf1 = Buffer.concat([Buffer.from([0x36, 0x04, 0x02, 0x08]), Buffer.alloc(256 * 8, 0x55), Buffer.from(Array.from({ length: 256 }, (_, i) => [i, 0, 0xff, 0xff]).flat())]);
const seeds = [...psfFiles, psf1];

const fontFile = fc.oneof(
	fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
	fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 12 }), fc.option(fc.nat())).map(([base, pokes, cutAt]) => {
		const b = Buffer.from(base);
		// Mostly the header, where the sizes are.
		for (const [at, v] of pokes) b[at % 2 ? at % 40 : at % b.length] = v;
		return cutAt === null ? b : b.subarray(0, cutAt % (b.length + 1));
	}),
);

test('psf: any file gives a font that holds together, or a one-line UserError', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(fontFile, (buf) => {
			let font;
			try {
				font = parsePsf(buf, 'fuzz.psf');
			} catch (err) {
				assert.ok(err instanceof UserError, `threw ${String(err)}`);
				assert.doesNotMatch((err as Error).message, /[\n\r]/);
				return;
			}
			assert.ok(font.width >= 1 && font.width <= MAX_FONT_WIDTH && font.height >= 1);
			assert.equal(font.stride, Math.ceil(font.width / 8));
			assert.ok(font.chars.length >= 1);
			assert.equal(font.bitmaps.length, font.chars.length * font.height * font.stride);
			for (const ch of font.chars) assert.doesNotMatch(ch, /[\x00-\x1f\x7f-\x9f]/);
			// A font read from a file must work in the reader too.
			new GlassReader([font]).read({ width: 64, height: 64, data: new Uint32Array(64 * 64) });
		}),
		params(0x61a6, 2000),
	);
});

const cellArb: fc.Arbitrary<Cell> = fc.record({
	ch: fc.oneof(
		{ weight: 8, arbitrary: fc.constantFrom(' ', 'a', 'b', '#', '$', '\uFFFD') },
		{ weight: 1, arbitrary: fc.string({ maxLength: 2 }) },
		{ weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\x1b', '') },
	),
	fg: fc.constantFrom(...COLOURS),
	bg: fc.constantFrom(...COLOURS),
});

/** A screen of any size and cells, with a cursor that may lie anywhere (or be absurd). */
const screenArb: fc.Arbitrary<GlassScreen> = fc
	.record({
		cols: fc.integer({ min: 0, max: 12 }),
		rows: fc.integer({ min: 0, max: 8 }),
		cells: fc.array(cellArb, { minLength: 96, maxLength: 96 }),
		cursor: fc.option(fc.record({ row: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(Number.NaN, 1.5)), col: fc.oneof(fc.integer({ min: -2, max: 14 }), fc.constant(Number.NaN)) })),
	})
	.map(({ cols, rows, cells, cursor }) => ({
		font: 'spleen-8x16',
		cellWidth: 8,
		cellHeight: 16,
		x: 0,
		y: 0,
		cols,
		rows,
		cells: Array.from({ length: rows }, (_, r) => cells.slice(r * cols, (r + 1) * cols)),
		unknown: 0,
		cursor: cursor ?? undefined,
	}));

const blank: GlassScreen = { font: 'spleen-8x16', cellWidth: 8, cellHeight: 16, x: 0, y: 0, cols: 0, rows: 0, cells: [], unknown: 0 };

/** Screens that follow each other as a console scrolls, with random ones in between. */
const screens: fc.Arbitrary<(GlassScreen | GlassScreen[])[]> = fc.array(
	fc.oneof(
		screenArb,
		fc.tuple(screenArb, fc.integer({ min: 1, max: 3 })).map(([s, d]): GlassScreen[] => [s, { ...s, cells: [...s.cells.slice(d), ...s.cells.slice(0, d)] }]),
	),
	{ maxLength: 12 },
);

test('tracker: any screens, any hints: no throw, and no line holds a line break', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(
			screens,
			fc.array(fc.record({ scrolled: fc.option(fc.integer({ min: -2, max: 10 })), discontinuity: fc.option(fc.constantFrom('daemon restarted', 'new\nline', '')) }), { maxLength: 12 }),
			(items, hints) => {
				const t = new ScrollTracker();
				const out: string[] = [];
				items.flat().forEach((s, i) => {
					const h = hints[i % Math.max(1, hints.length)];
					const r = t.push(s, h ? { scrolled: h.scrolled ?? undefined, discontinuity: h.discontinuity ?? undefined } : undefined);
					out.push(...r.lines, r.open);
				});
				out.push(...t.flush());
				for (const l of out) assert.doesNotMatch(l, /[\n\r\u2028\u2029]/, `line ${JSON.stringify(l)}`);
			},
		),
		// Found by this property: a screen with no rows made the open line `undefined`, and a
		// cell holding a line break (from a font's unicode table) split a glass log line.
		params(0x61a7, 2000, [
			[[{ ...blank, rows: 0, cols: 0, cells: [] }], []],
			[
				[
					{
						...blank,
						rows: 1,
						cols: 2,
						cells: [
							[
								{ ch: 'a', fg: 0, bg: 1 },
								{ ch: '\u2028b\n', fg: 0, bg: 1 },
							],
						],
					},
				],
				[{ scrolled: null, discontinuity: 'new\nline' }],
			],
		]),
	);
});
