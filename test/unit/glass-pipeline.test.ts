// The whole glass path in pixels: a console drawn the way OpenBSD's rasops draws (Spleen,
// white on blue, the text area centred, copyrows to scroll, the cursor an inverted cell)
// from real transcripts, read frame by frame by the glyph reader with the rectangles each
// frame touched, and turned into a line stream by the tracker. The stream must be the
// transcript: every line once, in order, nothing invented; where the frames skip more than
// a screen, a gap line stands where lines are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassReader } from '../../src/glass/reader.ts';
import { ScrollTracker, GAP_PREFIX } from '../../src/glass/tracker.ts';
import { TextCanvas, RASOPS } from '../../src/glass/render.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import type { Font, Rect } from '../../src/glass/types.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'openbsd');

/** A transcript as the glass shows it: tabs expanded, long lines wrapped at `cols`, rows trimmed. */
function glassRows(file: string, cols: number): string[] {
	const text = readFileSync(join(FIXTURES, file), 'utf8');
	const out: string[] = [];
	for (const raw of text.split('\n').filter((l) => !l.startsWith('# source:'))) {
		let line = '';
		for (const ch of raw.replace(/\r$/, '')) line += ch === '\t' ? ' '.repeat(8 - (line.length % 8)) : ch;
		if (line === '') out.push('');
		for (let i = 0; i < line.length; i += cols) out.push(line.slice(i, i + cols).trimEnd());
	}
	while (out.at(-1) === '') out.pop();
	return out;
}

/** OpenBSD's console on a framebuffer, reduced to what the tests need: rows of text, the cursor. */
class RasopsConsole {
	readonly canvas: TextCanvas;
	row = 0;
	dirty: Rect[] = [];

	constructor(font: Font, width: number, height: number) {
		this.canvas = new TextCanvas(font, width, height, { fill: RASOPS.black });
		this.dirty.push(this.canvas.eraseRows(0, this.canvas.rows, RASOPS.blue));
		this.cursor(true);
	}

	/** rasops_do_cursor inverts the cell; inverting it again takes the cursor away. */
	private cursor(_on: boolean): void {
		this.dirty.push(this.canvas.invertCell(this.row, 0));
	}

	/** One glass row, then a newline: at the bottom the text area moves up (copyrows). */
	line(text: string): void {
		this.cursor(false);
		if (text) this.dirty.push(this.canvas.putText(this.row, 0, text, RASOPS.white, RASOPS.blue));
		if (this.row === this.canvas.rows - 1) this.dirty.push(...this.canvas.scrollUp(1, RASOPS.blue));
		else this.row++;
		this.cursor(true);
	}

	takeDirty(): Rect[] {
		const d = this.dirty;
		this.dirty = [];
		return d;
	}
}

function run(font: Font, width: number, height: number, rows: string[], pace: number): string[] {
	const con = new RasopsConsole(font, width, height);
	const reader = new GlassReader(spleenFonts());
	const tracker = new ScrollTracker();
	const out: string[] = [];
	const frame = () => {
		const screen = reader.read(con.canvas.px, con.takeDirty());
		assert.ok(screen, 'a text grid is found');
		assert.equal(screen.font, font.name);
		assert.equal(screen.unknown, 0);
		out.push(...tracker.push(screen).lines);
	};
	for (let i = 0; i < rows.length; i += pace) {
		for (const r of rows.slice(i, i + pace)) con.line(r);
		frame();
	}
	out.push(...tracker.flush());
	return out;
}

const spleen = (name: string) => spleenFonts().find((f) => f.name === name)!;
const CASES = [
	{ font: 'spleen-8x16', width: 1024, height: 768, file: 'arm64-qemu-virt-7.4-installer-boot.txt' },
	{ font: 'spleen-12x24', width: 1280, height: 800, file: 'amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt' },
	{ font: 'spleen-12x24', width: 1920, height: 1080, file: 'amd64-vmd-6.8-current-dmesg.txt' },
	{ font: 'spleen-8x16', width: 1920, height: 1080, file: 'amd64-witness-lock-order-reversal.txt' },
];

for (const c of CASES) {
	test(`glass pipeline, ${c.width}x${c.height} ${c.font}, ${c.file}: exact at every pace below a screen`, () => {
		const font = spleen(c.font);
		const cols = Math.floor(c.width / font.width);
		const screenRows = Math.floor(c.height / font.height);
		const want = glassRows(c.file, cols);
		// With the cursor on the empty bottom row a screen shows rows-1 lines: a pace of
		// rows-2 is the fastest whose frames still share a line (the tracker's rule 2).
		for (const pace of [1, 3, 7, screenRows - 2]) {
			assert.deepEqual(run(font, c.width, c.height, want, pace), want, `pace ${pace}`);
		}
	});
}

test('glass pipeline: a burst of more than a screen per frame leaves gap lines, never a wrong or repeated line', () => {
	const font = spleen('spleen-8x16');
	const want = glassRows('amd64-vmd-6.8-current-dmesg.txt', 128);
	const got = run(font, 1024, 768, want, 60);
	assert.ok(got.some((l) => l.startsWith(GAP_PREFIX)), 'a gap is marked');
	// Matched in order against the transcript: each line is the next one, or a gap stands before it.
	let at = 0;
	let gapPending = false;
	for (const l of got) {
		if (l.startsWith(GAP_PREFIX)) {
			gapPending = true;
			continue;
		}
		const next = want.indexOf(l, at);
		assert.ok(next >= 0, `line not in the transcript (or out of order): ${JSON.stringify(l)}`);
		if (next !== at) assert.ok(gapPending, `lines ${at}..${next - 1} missing without a gap line before ${JSON.stringify(l)}`);
		at = next + 1;
		gapPending = false;
	}
	assert.equal(at, want.length, 'the stream reaches the transcript end');
});
