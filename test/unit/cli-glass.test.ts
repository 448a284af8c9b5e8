// `obsdtui glass read` end to end through the real CLI: screenshots drawn from real OpenBSD
// transcripts (src/glass/render.ts) saved as PNG (PNG-encoded by pngjs, an encoder other
// than the one the product uses for `screen -o`) and as PPM (as QEMU's screendump writes);
// expectations come from the transcripts' text.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Sandbox, ROOT } from '../helpers/cli.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import { renderScreen, RASOPS } from '../../src/glass/render.ts';
import type { Pixels } from '../../src/glass/types.ts';

const sb = new Sandbox('otg');
after(() => sb.cleanup());

const font = (name: string) => spleenFonts().find((f) => f.name === name)!;

function transcript(file: string): string[] {
	const lines = readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', file), 'utf8').split('\n');
	// The first line names the source; none of these transcripts has tabs (checked below).
	return lines.slice(1).map((l) => l.replace(/\r$/, ''));
}

function savePng(px: Pixels, file: string, colourType: 2 | 6 = 6): string {
	const png = new PNG({ width: px.width, height: px.height, colorType: colourType });
	px.data.forEach((v, i) => png.data.set([v >> 16, (v >> 8) & 0xff, v & 0xff, 0xff], i * 4));
	const path = join(sb.dir, file);
	writeFileSync(path, PNG.sync.write(png, { colorType: colourType }));
	return path;
}

function savePpm(px: Pixels, file: string): string {
	const rgb = Buffer.alloc(px.width * px.height * 3);
	px.data.forEach((v, i) => rgb.set([v >> 16, (v >> 8) & 0xff, v & 0xff], i * 3));
	const path = join(sb.dir, file);
	writeFileSync(path, Buffer.concat([Buffer.from(`P6\n${px.width} ${px.height}\n255\n`), rgb]));
	return path;
}

const panic = transcript('amd64-panic-kernel-diagnostic-assertion.txt');
const ddb = transcript('amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt');

test('the transcripts used here have no tabs (so the screen shows them as they are)', () => {
	assert.ok(![...panic, ...ddb].some((l) => l.includes('\t')));
});

test('glass read: each image\'s rows, trailing spaces trimmed, images separated by a form feed line', async () => {
	// 1280x800 in 12x24 (106x33), kernel white on blue; 1024x768 in 8x16 (128x48), white on black.
	const a = renderScreen(font('spleen-12x24'), 1280, 800, panic, { fg: RASOPS.white, bg: RASOPS.blue });
	const b = renderScreen(font('spleen-8x16'), 1024, 768, ddb.slice(40), { fg: RASOPS.white, bg: RASOPS.black });
	const out = await sb.ok(['glass', 'read', savePng(a.px, 'a.png'), savePpm(b.px, 'b.ppm')]);
	const screen = (lines: string[], rows: number, cols: number) => Array.from({ length: rows }, (_, i) => (lines[i] ?? '').slice(0, cols).trimEnd() + '\n').join('');
	assert.equal(out, screen(panic, 33, 106) + '\f\n' + screen(ddb.slice(40), 48, 128));
});

test('glass read --json: one object per image with text, colour runs, font, grid and cursor', async () => {
	const c = renderScreen(font('spleen-8x16'), 1024, 768, ['login: root', { text: 'Password:', reverse: true }], { fg: RASOPS.white, bg: RASOPS.black });
	c.invertCell(0, 11);
	const out = await sb.ok(['glass', 'read', '--json', savePng(c.px, 'c.png', 2), savePng(c.px, 'c2.png')]);
	const lines = out.trimEnd().split('\n');
	assert.equal(lines.length, 2);
	const j = JSON.parse(lines[0]);
	assert.deepEqual(
		{ ...j, lines: j.lines.slice(0, 3) },
		{
			file: join(sb.dir, 'c.png'),
			width: 1024,
			height: 768,
			font: 'spleen-8x16',
			cell: [8, 16],
			origin: [0, 0],
			cols: 128,
			rows: 48,
			unknown: 0,
			cursor: [0, 11],
			lines: [
				{ text: 'login: root', runs: [[128, '#c7c7c7', '#000000']] },
				{ text: 'Password:', runs: [[128, '#000000', '#c7c7c7']] },
				{ text: '', runs: [[128, '#000000', '#000000']] },
			],
		},
	);
	assert.equal(j.lines.length, 48);
	assert.equal(JSON.parse(lines[1]).file, join(sb.dir, 'c2.png'));
});

test('glass read --font: a PSF file or a shipped name limits the reader to that font', async () => {
	const c = renderScreen(font('spleen-12x24'), 1280, 800, panic.slice(0, 3), { fg: RASOPS.white, bg: RASOPS.blue });
	const png = savePng(c.px, 'f.png');
	const first = panic[0].slice(0, 106).trimEnd();
	const withFile = await sb.ok(['glass', 'read', '--font', join(ROOT, 'test', 'fixtures', 'fonts', 'spleen-12x24.psfu.gz'), png]);
	assert.equal(withFile.split('\n')[0], first);
	const withName = await sb.ok(['glass', 'read', '--json', '--font', 'spleen-12x24', png]);
	assert.equal(JSON.parse(withName).font, 'spleen-12x24');
	// The wrong font finds no grid: an empty screen and a note on stderr, not invented text.
	const wrong = await sb.run(['glass', 'read', '--font', 'spleen-8x16', png]);
	assert.equal(wrong.code, 0);
	assert.equal(wrong.stdout, '');
	assert.match(wrong.stderr, /f\.png: no text grid found/);
});

test('glass read: bad input is one line on stderr and a non-zero exit, with nothing on stdout', async () => {
	const good = savePng(renderScreen(font('spleen-8x16'), 640, 480, ['ok'], {}).px, 'good.png');
	const png = readFileSync(good);
	writeFileSync(join(sb.dir, 'trunc.png'), png.subarray(0, png.length - 100));
	writeFileSync(join(sb.dir, 'text.png'), 'not an image\n');
	writeFileSync(join(sb.dir, 'bad.psf'), Buffer.from([0x36, 0x04, 0, 16, 1, 2, 3]));
	const cases: [string[], RegExp][] = [
		[[join(sb.dir, 'missing.png')], /missing\.png: cannot read image \(no such file\)/],
		[[join(sb.dir, 'text.png')], /text\.png: not a PNG or binary PPM \(P6\) image/],
		[[good, join(sb.dir, 'trunc.png')], /trunc\.png: bad or truncated PNG/],
		[['--font', join(sb.dir, 'bad.psf'), good], /bad\.psf: truncated: 3 of 4096 glyph bytes/],
		[['--font', 'spleen-7x7', good], /font spleen-7x7: not a shipped font/],
	];
	for (const [args, re] of cases) {
		const r = await sb.run(['glass', 'read', ...args]);
		assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, re);
		assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
	}
});

test('glass read --stream: screenshots of one console in order make its line stream, gaps marked', async () => {
	// A 1024x768 ddb session in Spleen 8x16, white on blue, saved every 20 lines (48 rows a screen).
	const lines = transcript('amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt').map((l) => l.slice(0, 128).trimEnd());
	const f = font('spleen-8x16');
	const shot = (upTo: number, name: string) => {
		const shown = lines.slice(Math.max(0, upTo - 47), upTo);
		return savePng(renderScreen(f, 1024, 768, shown, { fg: RASOPS.white, bg: RASOPS.blue }).px, name);
	};
	const files = [20, 40, 60, 80].map((n, i) => shot(n, `s${i}.png`));
	const out = (await sb.ok(['glass', 'read', '--stream', ...files])).split('\n');
	out.pop();
	// No cursor on these screens: the first one may have had lines scroll off before it,
	// and the last line stays open until the end (then it is final).
	assert.equal(out[0], '[glass: earlier lines may have scrolled off before the first screen seen]');
	assert.deepEqual(out.slice(1), lines.slice(0, 80));
	// More than a screen between two shots: a gap line where lines are missing.
	const far = (await sb.ok(['glass', 'read', '--stream', '--json', files[0], shot(200, 'far.png')])).trim().split('\n').map((l) => JSON.parse(l));
	const gaps = far.filter((l) => l.gap);
	assert.equal(gaps.length, 2, JSON.stringify(gaps));
	assert.ok(far.some((l) => l.text === lines[199] && !l.gap));
	assert.ok(!far.some((l) => l.text === lines[60]), 'a line no shot showed is not invented');
});
