// PSF fonts: Debian's real Spleen files (PSF1 8x16 and PSF2 12x24, both with unicode
// tables, copied into test/fixtures/fonts), hand-made fonts without tables and with
// combining sequences, and malformed files, which are user input: one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parsePsf } from '../../src/glass/psf.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import { loadFont } from '../../src/devices/glass-files.ts';
import { UserError } from '../../src/common/errors.ts';
import { ROOT } from '../helpers/cli.ts';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'fonts', name);
const glyph = (f: { bitmaps: Uint8Array; stride: number; height: number }, i: number) => [...f.bitmaps.subarray(i * f.stride * f.height, (i + 1) * f.stride * f.height)];

// Spleen's "A", read off the files with xxd: 8x16 (one byte a row) and 12x24 (two).
const A_8X16 = [0x00, 0x00, 0x7c, 0xc6, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0xc6, 0x00, 0x00, 0x00, 0x00];
const A_12X24 = [
	0, 0, 0, 0, 0, 0, 0, 0, 0x1f, 0x80, 0x30, 0xc0, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x7f, 0xe0,
	0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

test("a PSF1 file with a unicode table: Debian's spleen-8x16", () => {
	const f = parsePsf(gunzipSync(readFileSync(fixture('spleen-8x16.psfu.gz'))), 'spleen-8x16');
	assert.deepEqual([f.width, f.height, f.stride, f.chars.length, f.bitmaps.length], [8, 16, 1, 512, 512 * 16]);
	// Glyph 0x41 lists U+0041, U+0410, U+0391, ...: the first is the one it stands for.
	assert.equal(f.chars[0x41], 'A');
	assert.deepEqual(glyph(f, 0x41), A_8X16);
	// Glyph 0 lists U+00A4 alone.
	assert.equal(f.chars[0], '\u00a4');
});

test("a PSF2 file with a unicode table: Debian's spleen-12x24", () => {
	const f = parsePsf(gunzipSync(readFileSync(fixture('spleen-12x24.psfu.gz'))), 'spleen-12x24');
	assert.deepEqual([f.width, f.height, f.stride, f.chars.length], [12, 24, 2, 512]);
	const a = f.chars.indexOf('A');
	assert.ok(a >= 0);
	assert.deepEqual(glyph(f, a), A_12X24);
});

test('the shipped Spleen data holds the same glyphs as the PSF files', () => {
	for (const [name, bytes] of [['spleen-8x16', A_8X16], ['spleen-12x24', A_12X24]] as const) {
		const f = spleenFonts().find((x) => x.name === name)!;
		assert.deepEqual(glyph(f, f.chars.indexOf('A')), bytes, name);
	}
	assert.deepEqual(spleenFonts().map((f) => `${f.width}x${f.height}`), ['5x8', '6x12', '8x16', '12x24', '16x32', '32x64']);
});

/** A PSF1 font of 256 glyphs of height 2; glyph i is [i, ~i]. */
function psf1(mode: number, table?: number[]): Buffer {
	const head = Buffer.from([0x36, 0x04, mode, 2]);
	const count = mode & 1 ? 512 : 256;
	const glyphs = Buffer.alloc(count * 2);
	for (let i = 0; i < count; i++) glyphs.set([i & 0xff, ~i & 0xff], i * 2);
	const t = Buffer.alloc((table?.length ?? 0) * 2);
	table?.forEach((v, i) => t.writeUInt16LE(v, i * 2));
	return Buffer.concat([head, glyphs, t]);
}

function psf2(opts: { width: number; height: number; count: number; flags?: number; charSize?: number; headerSize?: number; version?: number }, rest: Buffer): Buffer {
	const h = Buffer.alloc(Math.max(32, opts.headerSize ?? 32));
	Buffer.from([0x72, 0xb5, 0x4a, 0x86]).copy(h);
	const stride = Math.ceil(opts.width / 8);
	[opts.version ?? 0, opts.headerSize ?? 32, opts.flags ?? 0, opts.count, opts.charSize ?? stride * opts.height, opts.height, opts.width].forEach((v, i) => h.writeUInt32LE(v, 4 + i * 4));
	return Buffer.concat([h, rest]);
}

test('fonts without a unicode table: only printable ASCII is certain', () => {
	const a = parsePsf(psf1(0), 'plain1');
	assert.deepEqual([a.width, a.height, a.chars.length], [8, 2, 256]);
	assert.deepEqual([a.chars[0x41], a.chars[0x20], a.chars[0x7e], a.chars[0x7f], a.chars[0x80], a.chars[0x10]], ['A', ' ', '~', '', '', '']);
	assert.deepEqual(glyph(a, 0x41), [0x41, 0xbe]);
	const b = parsePsf(psf2({ width: 10, height: 3, count: 128 }, Buffer.alloc(128 * 6, 0xaa)), 'plain2');
	assert.deepEqual([b.width, b.height, b.stride, b.chars.length, b.chars[0x5a]], [10, 3, 2, 128, 'Z']);
});

test('unicode tables with combining sequences: a sequence names no character, a glyph with none is empty', () => {
	// PSF1 mode 2 (table): glyph 0: U+00E9 then a sequence; glyph 1: only a sequence; the rest empty.
	const table = [0xe9, 0xfffe, 0x65, 0x301, 0xffff, 0xfffe, 0x61, 0x300, 0xffff, ...Array(254).fill(0xffff)];
	const a = parsePsf(psf1(2, table), 'seq1');
	assert.deepEqual(a.chars.slice(0, 3), ['\u00e9', '', '']);
	// PSF2: glyph 0 "€" (3 UTF-8 bytes), glyph 1 a control char then "x", glyph 2 a sequence only.
	const t2 = Buffer.from([0xe2, 0x82, 0xac, 0xff, 0x07, 0x78, 0xff, 0xfe, 0x65, 0xcc, 0x81, 0xff]);
	const b = parsePsf(psf2({ width: 8, height: 1, count: 3, flags: 1 }, Buffer.concat([Buffer.alloc(3), t2])), 'seq2');
	assert.deepEqual(b.chars, ['\u20ac', 'x', '']);
});

test('malformed fonts: each a one-line UserError naming the font and what is wrong', () => {
	const full1 = psf1(2, Array(256).fill(0xffff));
	const cases: [string, Buffer, RegExp][] = [
		['empty', Buffer.alloc(0), /not a PSF1 or PSF2 font/],
		['text', Buffer.from('hello world'), /not a PSF1 or PSF2 font/],
		['psf1 header', Buffer.from([0x36, 0x04, 0]), /truncated PSF1 header/],
		['psf1 mode', Buffer.from([0x36, 0x04, 9, 16]), /mode 9/],
		['psf1 height 0', Buffer.from([0x36, 0x04, 0, 0]), /glyph height 0/],
		['psf1 glyphs', full1.subarray(0, 100), /truncated: 96 of 512 glyph bytes/],
		['psf1 table', full1.subarray(0, full1.length - 3), /truncated unicode table at glyph 254 of 256/],
		['psf2 header', psf2({ width: 8, height: 8, count: 1 }, Buffer.alloc(0)).subarray(0, 20), /truncated PSF2 header/],
		['psf2 version', psf2({ width: 8, height: 1, count: 1, version: 1 }, Buffer.alloc(1)), /version 1/],
		['psf2 header size', psf2({ width: 8, height: 1, count: 1, headerSize: 16 }, Buffer.alloc(1)), /header size 16/],
		['psf2 char size', psf2({ width: 12, height: 2, count: 1, charSize: 3 }, Buffer.alloc(3)), /glyph size 3 is not 2 rows of 2 bytes/],
		['psf2 wide', psf2({ width: 33, height: 1, count: 1 }, Buffer.alloc(5)), /glyph width 33/],
		['psf2 huge count', psf2({ width: 8, height: 8, count: 0xffffffff }, Buffer.alloc(8)), /glyph count 4294967295/],
		['psf2 glyphs', psf2({ width: 8, height: 8, count: 4 }, Buffer.alloc(31)), /truncated: 31 of 32 glyph bytes/],
		['psf2 table', psf2({ width: 8, height: 1, count: 2, flags: 1 }, Buffer.from([0, 0, 0x41, 0xff, 0x42])), /truncated unicode table at glyph 1 of 2/],
		['psf2 utf-8', psf2({ width: 8, height: 1, count: 1, flags: 1 }, Buffer.from([0, 0xc3, 0x28, 0xff])), /bad UTF-8 in the unicode table at glyph 0/],
		['psf2 overlong', psf2({ width: 8, height: 1, count: 1, flags: 1 }, Buffer.from([0, 0xe0, 0x80, 0x80, 0xff])), /bad UTF-8/],
	];
	for (const [name, buf, re] of cases) {
		assert.throws(() => parsePsf(buf, name), (err: unknown) => {
			assert.ok(err instanceof UserError, `${name}: ${String(err)}`);
			assert.match(err.message, re, name);
			assert.ok(err.message.startsWith(`font ${name}: `), err.message);
			assert.ok(!err.message.includes('\n'), err.message);
			return true;
		});
	}
});

test('--font: a shipped name, a PSF file gzip\'d or not, and what is neither', () => {
	const dir = mkdtempSync('/tmp/ot-psf-');
	assert.equal(loadFont('spleen-12x24').height, 24);
	const raw = gunzipSync(readFileSync(fixture('spleen-8x16.psfu.gz')));
	writeFileSync(join(dir, 'mine.psf'), raw);
	writeFileSync(join(dir, 'mine2.psfu.gz'), gzipSync(raw));
	writeFileSync(join(dir, 'broken.psf.gz'), gzipSync(raw).subarray(0, 40));
	assert.deepEqual([loadFont(join(dir, 'mine.psf')).name, loadFont(join(dir, 'mine.psf')).chars[0x41]], ['mine', 'A']);
	assert.equal(loadFont(join(dir, 'mine2.psfu.gz')).name, 'mine2');
	assert.throws(() => loadFont('spleen-9x18'), /font spleen-9x18: not a shipped font \(spleen-5x8, .*spleen-32x64\) nor a PSF file path/);
	assert.throws(() => loadFont(join(dir, 'none.psf')), /none\.psf: cannot read font \(no such file\)/);
	assert.throws(() => loadFont(join(dir, 'broken.psf.gz')), /broken\.psf\.gz: bad gzip data/);
});
