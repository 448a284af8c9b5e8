// The glyph reader over frames drawn the way OpenBSD's rasops draws them (src/glass/render.ts)
// from real console transcripts, at OpenBSD's geometries, in Spleen 8x16 and 12x24.
// Expectations come from the transcript text itself (tabs expanded to 8 columns, cut to
// the screen's columns), and the grid's place from rasops' centring worked out by hand
// below, never from running the reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassReader } from '../../src/glass/reader.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import { renderScreen, RASOPS, TextCanvas } from '../../src/glass/render.ts';
import type { Font, GlassScreen, Rect } from '../../src/glass/types.ts';
import { ROOT } from '../helpers/cli.ts';

const FONTS = spleenFonts();
const font = (name: string): Font => FONTS.find((f) => f.name === name)!;

/** A transcript's lines as a console shows them: CR dropped, tabs to the next multiple of 8. */
function transcript(file: string): string[] {
	const text = readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', file), 'utf8');
	// A fixture's first line names its source ("# source: ..."): not console output.
	return text.split('\n').filter((line, i) => !(i === 0 && line.startsWith('# source:'))).map((line) => {
		let out = '';
		for (const ch of line.replace(/\r$/, '')) {
			if (ch === '\t') do out += ' '; while (out.length % 8);
			else out += ch;
		}
		return out;
	});
}

const text = (s: GlassScreen): string[] => s.cells.map((row) => row.map((c) => c.ch).join('').trimEnd());
/** What a screen of `rows` x `cols` shows of these lines from the top. */
const expected = (lines: string[], rows: number, cols: number): string[] =>
	Array.from({ length: rows }, (_, i) => (lines[i] ?? '').slice(0, cols).trimEnd());

// rasops: cols = W / fw, rows = H / fh, the spare pixels split in two (rounded down).
// 1024 - 128*8 = 0; 768 - 48*16 = 0. 1024 - 85*12 = 4 -> 2; 768 - 32*24 = 0.
// 1280 - 160*8 = 0; 800 - 50*16 = 0. 1280 - 106*12 = 8 -> 4; 800 - 33*24 = 8 -> 4.
// 1920 - 240*8 = 0; 1080 - 67*16 = 8 -> 4. 1920 - 160*12 = 0; 1080 - 45*24 = 0.
const GEOMETRIES = [
	{ w: 1024, h: 768, font: 'spleen-8x16', cols: 128, rows: 48, x: 0, y: 0 },
	{ w: 1024, h: 768, font: 'spleen-12x24', cols: 85, rows: 32, x: 2, y: 0 },
	{ w: 1280, h: 800, font: 'spleen-8x16', cols: 160, rows: 50, x: 0, y: 0 },
	{ w: 1280, h: 800, font: 'spleen-12x24', cols: 106, rows: 33, x: 4, y: 4 },
	{ w: 1920, h: 1080, font: 'spleen-8x16', cols: 240, rows: 67, x: 0, y: 4 },
	{ w: 1920, h: 1080, font: 'spleen-12x24', cols: 160, rows: 45, x: 0, y: 0 },
];

const KERNEL = { fg: RASOPS.white, bg: RASOPS.blue };
const USER = { fg: RASOPS.white, bg: RASOPS.black };

for (const g of GEOMETRIES) {
	for (const [scheme, colours] of [['kernel white on blue', KERNEL], ['userland white on black', USER]] as const) {
		test(`${g.w}x${g.h} ${g.font}, ${scheme}: the transcript's text, the font and the grid found unaided`, () => {
			const lines = transcript('arm64-qemu-virt-7.4-installer-boot.txt');
			const canvas = renderScreen(font(g.font), g.w, g.h, lines, colours);
			const screen = new GlassReader(FONTS).read(canvas.px);
			assert.ok(screen);
			assert.deepEqual(
				{ font: screen.font, cellWidth: screen.cellWidth, cellHeight: screen.cellHeight, x: screen.x, y: screen.y, cols: screen.cols, rows: screen.rows },
				{ font: g.font, cellWidth: font(g.font).width, cellHeight: font(g.font).height, x: g.x, y: g.y, cols: g.cols, rows: g.rows },
			);
			assert.deepEqual(text(screen), expected(lines, g.rows, g.cols));
			assert.equal(screen.unknown, 0);
			assert.equal(screen.cursor, undefined);
			// Colours: the transcript's first line is UEFI's "BdsDxe: loading Boot0001 ...".
			assert.equal(lines[0].slice(0, 7), 'BdsDxe:');
			assert.deepEqual(screen.cells[0][0], { ch: 'B', fg: colours.fg, bg: colours.bg });
			assert.deepEqual(screen.cells[g.rows - 1][g.cols - 1], { ch: ' ', fg: colours.bg, bg: colours.bg });
		});
	}
}

test('a ddb session at 1280x800 in 12x24: kernel lines on blue, then a reverse-video line and the cursor after the prompt', () => {
	const lines = transcript('amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt');
	const canvas = new TextCanvas(font('spleen-12x24'), 1280, 800);
	canvas.eraseRows(0, canvas.rows, RASOPS.black);
	const shown = lines.slice(0, 30);
	shown.forEach((l, row) => {
		const c = row === 10 ? { fg: RASOPS.blue, bg: RASOPS.white } : row < 20 ? KERNEL : USER;
		canvas.eraseRows(row, 1, c.bg);
		canvas.putText(row, 0, l, c.fg, c.bg);
	});
	canvas.putText(30, 0, 'ddb{0}> ', RASOPS.white, RASOPS.black);
	canvas.invertCell(30, 8);
	const screen = new GlassReader(FONTS).read(canvas.px);
	assert.ok(screen);
	assert.deepEqual(text(screen), expected([...shown, 'ddb{0}>'], 33, 106));
	assert.deepEqual(screen.cursor, { row: 30, col: 8 });
	// The cursor cell is reported with its colours before the inversion.
	assert.deepEqual(screen.cells[30][8], { ch: ' ', fg: RASOPS.black, bg: RASOPS.black });
	// Reverse video: the colours are read per cell, the text is the same.
	const first = Array.from(shown[10]).findIndex((ch) => ch !== ' ');
	assert.deepEqual(screen.cells[10][first], { ch: shown[10][first], fg: RASOPS.blue, bg: RASOPS.white });
	assert.deepEqual(screen.cells[0][0], { ch: shown[0][0], ...KERNEL });
	assert.deepEqual(screen.cells[25][0], { ch: shown[25][0] ?? ' ', fg: shown[25][0] && shown[25][0] !== ' ' ? RASOPS.white : RASOPS.black, bg: RASOPS.black });
	assert.equal(screen.unknown, 0);
});

test('the cursor on a character: the character and its own colours, and where it is', () => {
	const canvas = renderScreen(font('spleen-8x16'), 1024, 768, ['login: root', 'Password:'], KERNEL);
	canvas.invertCell(1, 3);
	const screen = new GlassReader(FONTS).read(canvas.px)!;
	assert.deepEqual(text(screen).slice(0, 3), ['login: root', 'Password:', '']);
	assert.deepEqual(screen.cursor, { row: 1, col: 3 });
	assert.deepEqual(screen.cells[1][3], { ch: 's', ...KERNEL });
});

test("Linux's fbcon layout (top left) with its underline cursor", () => {
	// 1280x800 in 12x24 would be centred at 4,4 by rasops; fbcon puts it at 0,0.
	const lines = transcript('arm64-hw-rpi3-6.7-beta-dmesg.txt');
	const canvas = renderScreen(font('spleen-12x24'), 1280, 800, lines.slice(0, 20), { ...USER, layout: 'topleft' });
	canvas.underlineCursor(19, 0, RASOPS.white, RASOPS.black);
	const screen = new GlassReader(FONTS).read(canvas.px)!;
	assert.deepEqual([screen.x, screen.y, screen.cols, screen.rows], [0, 0, 106, 33]);
	assert.deepEqual(text(screen), expected(lines.slice(0, 20), 33, 106));
	assert.deepEqual(screen.cursor, { row: 19, col: 0 });
	assert.equal(screen.unknown, 0);
});

test('a cell that is no glyph is U+FFFD and counted; a three-colour cell too; the rest still reads', () => {
	const lines = transcript('amd64-panic-timeout_add.txt').slice(0, 10);
	const canvas = renderScreen(font('spleen-8x16'), 1024, 768, lines, KERNEL);
	const { data, width } = canvas.px;
	// Row 2, column 0: pseudo-random bits in the cell's two colours (a checkerboard would be
	// Spleen's U+2592).
	let seed = 7;
	for (let y = 0; y < 16; y++) {
		for (let x = 0; x < 8; x++) {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			data[(32 + y) * width + x] = seed & 0x10000 ? RASOPS.white : RASOPS.blue;
		}
	}
	// Row 4, column 3: one red pixel in a character.
	data[(64 + 8) * width + 3 * 8 + 4] = RASOPS.red;
	const screen = new GlassReader(FONTS).read(canvas.px)!;
	assert.equal(screen.unknown, 2);
	const want = expected(lines, 48, 128);
	want[2] = '\ufffd' + want[2].slice(1);
	want[4] = want[4].slice(0, 3) + '\ufffd' + want[4].slice(4);
	assert.deepEqual(text(screen), want);
});

test('nothing to read: a blank frame and a frame of noise give null', () => {
	const reader = new GlassReader(FONTS);
	const blank = new TextCanvas(font('spleen-8x16'), 1024, 768);
	assert.equal(reader.read(blank.px), null);
	let seed = 1;
	for (let i = 0; i < blank.px.data.length; i++) {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		blank.px.data[i] = seed >>> 8;
	}
	assert.equal(reader.read(blank.px), null);
});

test('a screen cleared after text keeps its grid: all blank, not null', () => {
	const reader = new GlassReader(FONTS);
	const canvas = renderScreen(font('spleen-8x16'), 1280, 800, ['# clear'], USER);
	assert.deepEqual(text(reader.read(canvas.px)!).slice(0, 1), ['# clear']);
	const rect = canvas.eraseRows(0, canvas.rows, RASOPS.black);
	const after = reader.read(canvas.px, [rect])!;
	assert.ok(after);
	assert.ok(text(after).every((l) => l === ''));
});

test('a kernel screen cleared to blue inside black margins keeps its grid too', () => {
	const reader = new GlassReader(FONTS);
	const canvas = renderScreen(font('spleen-12x24'), 1280, 800, ['panic: kernel diagnostic assertion'], KERNEL);
	assert.equal(reader.read(canvas.px)!.rows, 33);
	const rect = canvas.eraseRows(0, canvas.rows, RASOPS.blue);
	const after = reader.read(canvas.px, [rect])!;
	assert.deepEqual([after.x, after.y, after.cols, after.rows], [4, 4, 106, 33]);
	assert.ok(text(after).every((l) => l === ''));
	assert.deepEqual(after.cells[0][0], { ch: ' ', fg: RASOPS.blue, bg: RASOPS.blue });
	// A fresh reader has no grid to keep: nothing on the screen says where one is (the
	// margins' edges look like half blocks to any grid; they are no evidence).
	const fresh = new GlassReader(FONTS).read(canvas.px);
	assert.equal(fresh && `${fresh.font} at ${fresh.x},${fresh.y}`, null);
});

/** Apply the scrolls a console does while printing lines at the bottom, returning the dirty rects. */
function printAtBottom(canvas: TextCanvas, line: string, colours: { fg: number; bg: number }): Rect[] {
	const rects = canvas.scrollUp(1, colours.bg);
	rects.push(canvas.putText(canvas.rows - 1, 0, line, colours.fg, colours.bg));
	return rects;
}

for (const fontName of ['spleen-8x16', 'spleen-12x24']) {
	test(`${fontName} at 1920x1080: incremental reads through scrolls (CopyRect) and one changed line equal the transcript`, () => {
		const lines = transcript('amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt');
		const f = font(fontName);
		const reader = new GlassReader(FONTS);
		const canvas = renderScreen(f, 1920, 1080, lines, KERNEL);
		const rows = canvas.rows;
		const cols = canvas.cols;
		let screen = reader.read(canvas.px)!;
		const first = screen;
		assert.deepEqual(text(screen), expected(lines, rows, cols));
		// Print the next 25 transcript lines at the bottom, one update each.
		for (let i = 0; i < 25; i++) {
			screen = reader.read(canvas.px, printAtBottom(canvas, lines[rows + i], KERNEL))!;
			assert.deepEqual(text(screen), expected(lines.slice(i + 1), rows, cols), `after line ${rows + i}`);
		}
		// The screens given out earlier were not changed by later reads.
		assert.deepEqual(text(first), expected(lines, rows, cols));
		// One line rewritten in place (a Raw rectangle).
		const rect = canvas.putText(5, 0, 'ddb{0}> trace', RASOPS.white, RASOPS.blue);
		screen = reader.read(canvas.px, [rect])!;
		const want = expected(lines.slice(25), rows, cols);
		want[5] = ('ddb{0}> trace' + lines[25 + 5].slice(13)).slice(0, cols).trimEnd();
		assert.deepEqual(text(screen), want);
		// An incremental read agrees with reading the whole frame afresh.
		assert.deepEqual(text(new GlassReader(FONTS).read(canvas.px)!), want);
		assert.equal(screen.unknown, 0);
	});
}

test('a CopyRect that is not cell-aligned, or that comes after a change to its source, is read again', () => {
	const lines = transcript('amd64-witness-lock-order-reversal.txt');
	const reader = new GlassReader(FONTS);
	const canvas = renderScreen(font('spleen-8x16'), 1024, 768, lines, USER);
	reader.read(canvas.px);
	// Raw first (row 1 changes), then the scroll moves row 1 to row 0.
	const raw = canvas.putText(1, 0, 'CHANGED', RASOPS.white, RASOPS.black);
	const [copy, erase] = canvas.scrollUp(1, RASOPS.black);
	let screen = reader.read(canvas.px, [raw, copy, erase])!;
	const want = expected(lines.slice(1), 48, 128);
	want[0] = ('CHANGED' + lines[1].slice(7)).trimEnd().slice(0, 128);
	want[47] = '';
	assert.deepEqual(text(screen), want);
	// Half a row up: a copy that no cell boundary explains.
	const { data, width } = canvas.px;
	data.copyWithin(0, 8 * width, 768 * width);
	screen = reader.read(canvas.px, [{ x: 0, y: 0, w: 1024, h: 760, from: { x: 0, y: 8 } }])!;
	assert.ok(screen.unknown > 0 || screen.x !== 0 || screen.y !== 0, 'half-row content is not read as the old rows');
	assert.notDeepEqual(text(screen), want);
});

test('a new font loaded at the same resolution (unknown cells spike) is found again', () => {
	const lines = transcript('amd64-panic-kernel-diagnostic-assertion.txt');
	const reader = new GlassReader(FONTS);
	const a = renderScreen(font('spleen-8x16'), 1280, 800, lines, KERNEL);
	assert.equal(reader.read(a.px)!.font, 'spleen-8x16');
	const b = renderScreen(font('spleen-12x24'), 1280, 800, lines, KERNEL);
	const screen = reader.read(b.px, [{ x: 0, y: 0, w: 1280, h: 800 }])!;
	assert.equal(screen.font, 'spleen-12x24');
	assert.deepEqual(text(screen), expected(lines, 33, 106));
});

test('a font given by the caller (a PSF file) is used like the shipped ones', () => {
	// Spleen 6x12 alone: the reader knows no other font, and a 640x480 screen in it reads.
	const lines = transcript('amd64-panic-fatal_page_fault-dovutimens.txt');
	const canvas = renderScreen(font('spleen-6x12'), 640, 480, lines, KERNEL);
	const screen = new GlassReader([font('spleen-6x12')]).read(canvas.px)!;
	// 640 / 6 = 106 columns (4 spare -> x 2); 480 / 12 = 40 rows.
	assert.deepEqual([screen.font, screen.x, screen.y, screen.cols, screen.rows], ['spleen-6x12', 2, 0, 106, 40]);
	assert.deepEqual(text(screen), expected(lines, 40, 106));
});

test('a scroll that leaves a row in two places, then a change to one of them: the other keeps its text', () => {
	const lines = transcript('amd64-panic-kernel-diagnostic-assertion.txt');
	const reader = new GlassReader(FONTS);
	const canvas = renderScreen(font('spleen-8x16'), 1280, 800, lines, USER);
	reader.read(canvas.px);
	// Rows 1..49 up to 0..48, the bottom row not erased: rows 48 and 49 both show lines[49].
	const copy = canvas.copyRows(1, 0, 49);
	let screen = reader.read(canvas.px, [copy])!;
	const want = expected(lines.slice(1), 50, 160);
	want[49] = lines[49].slice(0, 160).trimEnd();
	assert.deepEqual(text(screen), want);
	const raw = canvas.putText(49, 0, 'ddb{0}> ', RASOPS.white, RASOPS.black);
	screen = reader.read(canvas.px, [raw])!;
	want[49] = ('ddb{0}> ' + lines[49].slice(8)).slice(0, 160).trimEnd();
	assert.deepEqual(text(screen), want);
	assert.equal(text(screen)[48], lines[49].slice(0, 160).trimEnd());
	// The same in one update: the copy, then a change to a cell of the row now in two places.
	const again = new GlassReader(FONTS);
	const c2 = renderScreen(font('spleen-8x16'), 1280, 800, lines, USER);
	again.read(c2.px);
	const rects = [c2.copyRows(1, 0, 49), c2.putText(49, 0, 'ddb{0}> ', RASOPS.white, RASOPS.black)];
	assert.deepEqual(text(again.read(c2.px, rects)!), want);
});

test('a CopyRect inside a row by whole cells (inserted characters) moves the cells it covers', () => {
	const reader = new GlassReader(FONTS);
	const canvas = renderScreen(font('spleen-8x16'), 1024, 768, ['login: root', 'Password:'], USER);
	reader.read(canvas.px);
	// Row 0, columns 0..10 moved 2 cells right (as an insert-character would), then "# " drawn in front.
	const { data, width } = canvas.px;
	for (let y = 0; y < 16; y++) data.copyWithin(y * width + 16, y * width, y * width + 88);
	const rects = [{ x: 16, y: 0, w: 88, h: 16, from: { x: 0, y: 0 } }, canvas.putText(0, 0, '# ', RASOPS.white, RASOPS.black)];
	const screen = reader.read(canvas.px, rects)!;
	assert.deepEqual(text(screen).slice(0, 3), ['# login: root', 'Password:', '']);
	assert.equal(screen.unknown, 0);
});

test("rasops' underline attribute (the second row from the bottom in the foreground) reads as the characters", () => {
	const canvas = renderScreen(font('spleen-12x24'), 1280, 800, ['NAME', '     ls - list directory contents', 'SYNOPSIS'], USER);
	const { data, width } = canvas.px;
	// Underline the words "ls", "list" and "directory" ("y" has a descender) of row 1, as
	// rasops32_putchar does with WSATTR_UNDERLINE, and the cell after "contents".
	const y = canvas.y + 1 * 24 + 22;
	for (const [from, to] of [[5, 7], [10, 14], [15, 24], [33, 34]]) data.fill(RASOPS.white, y * width + canvas.x + from * 12, y * width + canvas.x + to * 12);
	const screen = new GlassReader(FONTS).read(canvas.px)!;
	// An underlined blank is also an underlined "_" (Spleen 12x24's "_" is that row alone):
	// the reader cannot tell them apart, so it says so.
	assert.deepEqual(text(screen).slice(0, 4), ['NAME', '     ls - list directory contents\ufffd', 'SYNOPSIS', '']);
	assert.equal(screen.unknown, 1);
	assert.deepEqual(screen.cells[1][5], { ch: 'l', fg: RASOPS.white, bg: RASOPS.black });
	assert.deepEqual(screen.cells[1][23], { ch: 'y', fg: RASOPS.white, bg: RASOPS.black });
});

test('incremental reads agree with whole-frame reads through 300 random updates, with hostile rectangles mixed in', () => {
	const lines = transcript('amd64-vmm-6.5-beta-autoinstall-serial.txt');
	const f = font('spleen-8x16');
	const canvas = renderScreen(f, 1024, 768, lines, KERNEL);
	const inc = new GlassReader(FONTS);
	const whole = new GlassReader(FONTS);
	inc.read(canvas.px);
	whole.read(canvas.px);
	let seed = 12345;
	const rnd = (n: number) => {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		return (seed >>> 8) % n;
	};
	for (let step = 0; step < 300; step++) {
		const rects: Rect[] = [];
		const op = rnd(5);
		if (op === 0) rects.push(canvas.putText(rnd(canvas.rows), rnd(canvas.cols), lines[rnd(lines.length)].slice(0, 20), RASOPS.white, RASOPS.blue));
		else if (op === 1) rects.push(...canvas.scrollUp(1 + rnd(3), RASOPS.blue));
		else if (op === 2) {
			const src = rnd(canvas.rows - 4);
			rects.push(canvas.copyRows(src, rnd(canvas.rows - 4), 1 + rnd(3)));
		} else if (op === 3) rects.push(canvas.invertCell(rnd(canvas.rows), rnd(canvas.cols)));
		else {
			// A few stray pixels in one colour; the rectangle names them.
			const x = rnd(1000);
			const y = rnd(760);
			canvas.px.data.fill(RASOPS.red, y * 1024 + x, y * 1024 + x + 3);
			rects.push({ x, y, w: 3, h: 1 });
		}
		// Rectangles a hostile server could send: off the screen, negative, empty, a copy from nowhere.
		rects.push({ x: -50, y: -50, w: 10, h: 10 }, { x: 5000, y: 5000, w: 100, h: 100 }, { x: 10, y: 10, w: 0, h: 0 }, { x: 0, y: 0, w: 0, h: 16, from: { x: 99999, y: -99999 } });
		const a = inc.read(canvas.px, rects);
		const b = whole.read(canvas.px);
		assert.ok(a && b, `step ${step}`);
		assert.deepEqual(text(a), text(b), `step ${step} (op ${op})`);
		assert.equal(a.unknown, b.unknown, `step ${step}`);
	}
});

test('the larger Spleen sizes a newer kernel may pick on a big screen: 16x32 and 32x64 at 1920x1080', () => {
	const lines = transcript('arm64-hw-rpi3-6.7-beta-dmesg.txt');
	// 1920 / 16 = 120 columns, 1080 / 32 = 33 rows (24 spare -> y 12); 1920 / 32 = 60, 1080 / 64 = 16 (56 spare -> 28).
	for (const [name, cols, rows, y] of [['spleen-16x32', 120, 33, 12], ['spleen-32x64', 60, 16, 28]] as const) {
		const canvas = renderScreen(font(name), 1920, 1080, lines, KERNEL);
		const screen = new GlassReader(FONTS).read(canvas.px)!;
		assert.deepEqual([screen.font, screen.x, screen.y, screen.cols, screen.rows], [name, 0, y, cols, rows]);
		assert.deepEqual(text(screen), expected(lines, rows, cols));
	}
});
