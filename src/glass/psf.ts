// PSF console fonts (the format Linux's setfont and Debian's fonts-spleen use) -> Font.
//
// PSF1: magic 36 04, mode byte (1: 512 glyphs, 2: unicode table, 4: table has sequences),
//   glyph height; glyphs are 8 pixels wide; the table is u16 LE code points per glyph,
//   0xFFFE starts a combining sequence, 0xFFFF ends the glyph's entry.
// PSF2: magic 72 b5 4a 86, then u32 LE version, headersize, flags (1: unicode table),
//   glyph count, bytes per glyph, height, width; glyphs at headersize; the table is UTF-8
//   per glyph, 0xFE starts a sequence, 0xFF ends the entry.
//
// A font file is user input: every length is checked against the buffer, and anything
// malformed is a one-line UserError. Pure: the caller reads (and gunzips) the file.
import { UserError } from '../common/errors.ts';
import type { Font } from './types.ts';

/** The glass reader packs a glyph row into an int32. */
export const MAX_FONT_WIDTH = 32;
const MAX_FONT_HEIGHT = 128;
const MAX_GLYPHS = 65536;

function bad(name: string, why: string): never {
	throw new UserError(`font ${name}: ${why}`);
}

/**
 * The character a glyph stands for: the first single code point its table entry lists
 * (the primary one; the others are aliases such as Greek or Cyrillic look-alikes), or
 * '' when it lists none or only sequences. Control characters never count.
 */
function primary(cps: number[]): string {
	for (const cp of cps) {
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) continue;
		return String.fromCodePoint(cp);
	}
	return '';
}

/** Without a unicode table only printable ASCII is certain (CP437 and Latin-1 agree there). */
function noTable(count: number): string[] {
	const chars: string[] = [];
	for (let i = 0; i < count; i++) chars.push(i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '');
	return chars;
}

function checkSize(name: string, width: number, height: number, count: number): void {
	if (width < 1 || width > MAX_FONT_WIDTH) bad(name, `glyph width ${width} is not 1..${MAX_FONT_WIDTH}`);
	if (height < 1 || height > MAX_FONT_HEIGHT) bad(name, `glyph height ${height} is not 1..${MAX_FONT_HEIGHT}`);
	if (count < 1 || count > MAX_GLYPHS) bad(name, `glyph count ${count} is not 1..${MAX_GLYPHS}`);
}

function parsePsf1(buf: Uint8Array, name: string): Font {
	if (buf.length < 4) bad(name, 'truncated PSF1 header');
	const mode = buf[2];
	const height = buf[3];
	if (mode > 7) bad(name, `PSF1 mode ${mode} is not 0..7`);
	const count = mode & 1 ? 512 : 256;
	checkSize(name, 8, height, count);
	const size = count * height;
	if (buf.length < 4 + size) bad(name, `truncated: ${buf.length - 4} of ${size} glyph bytes`);
	const bitmaps = buf.slice(4, 4 + size);
	if (!(mode & 6)) return { name, width: 8, height, stride: 1, bitmaps, chars: noTable(count) };
	const chars: string[] = [];
	let pos = 4 + size;
	for (let g = 0; g < count; g++) {
		const cps: number[] = [];
		let inSeq = false;
		for (;;) {
			if (pos + 2 > buf.length) bad(name, `truncated unicode table at glyph ${g} of ${count}`);
			const v = buf[pos] | (buf[pos + 1] << 8);
			pos += 2;
			if (v === 0xffff) break;
			if (v === 0xfffe) inSeq = true;
			else if (!inSeq) cps.push(v);
		}
		chars.push(primary(cps));
	}
	return { name, width: 8, height, stride: 1, bitmaps, chars };
}

/** Decode one UTF-8 code point at pos; null when the bytes are not valid UTF-8. */
function utf8At(buf: Uint8Array, pos: number, end: number): { cp: number; len: number } | null {
	const b = buf[pos];
	const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
	if (!len || pos + len > end) return null;
	let cp = len === 1 ? b : b & (0xff >> (len + 1));
	for (let i = 1; i < len; i++) {
		const c = buf[pos + i];
		if ((c & 0xc0) !== 0x80) return null;
		cp = (cp << 6) | (c & 0x3f);
	}
	const min = [0, 0, 0x80, 0x800, 0x10000][len];
	if (cp < min || cp > 0x10ffff) return null;
	return { cp, len };
}

function u32(buf: Uint8Array, at: number): number {
	return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

function parsePsf2(buf: Uint8Array, name: string): Font {
	if (buf.length < 32) bad(name, 'truncated PSF2 header');
	const version = u32(buf, 4);
	const headerSize = u32(buf, 8);
	const flags = u32(buf, 12);
	const count = u32(buf, 16);
	const charSize = u32(buf, 20);
	const height = u32(buf, 24);
	const width = u32(buf, 28);
	if (version !== 0) bad(name, `PSF2 version ${version} is not 0`);
	if (headerSize < 32 || headerSize > buf.length) bad(name, `PSF2 header size ${headerSize} is not 32..${buf.length}`);
	checkSize(name, width, height, count);
	const stride = Math.ceil(width / 8);
	if (charSize !== stride * height) bad(name, `PSF2 glyph size ${charSize} is not ${height} rows of ${stride} bytes`);
	const size = count * charSize;
	if (buf.length - headerSize < size) bad(name, `truncated: ${buf.length - headerSize} of ${size} glyph bytes`);
	const bitmaps = buf.slice(headerSize, headerSize + size);
	if (!(flags & 1)) return { name, width, height, stride, bitmaps, chars: noTable(count) };
	const chars: string[] = [];
	let pos = headerSize + size;
	for (let g = 0; g < count; g++) {
		const cps: number[] = [];
		let inSeq = false;
		for (;;) {
			if (pos >= buf.length) bad(name, `truncated unicode table at glyph ${g} of ${count}`);
			const b = buf[pos];
			if (b === 0xff) {
				pos++;
				break;
			}
			if (b === 0xfe) {
				inSeq = true;
				pos++;
				continue;
			}
			const u = utf8At(buf, pos, buf.length);
			if (!u) bad(name, `bad UTF-8 in the unicode table at glyph ${g}`);
			if (!inSeq) cps.push(u.cp);
			pos += u.len;
		}
		chars.push(primary(cps));
	}
	return { name, width, height, stride, bitmaps, chars };
}

/** Parse a PSF1 or PSF2 font (already gunzipped). `name` labels the font and its errors. */
export function parsePsf(buf: Uint8Array, name: string): Font {
	if (buf.length >= 2 && buf[0] === 0x36 && buf[1] === 0x04) return parsePsf1(buf, name);
	if (buf.length >= 4 && buf[0] === 0x72 && buf[1] === 0xb5 && buf[2] === 0x4a && buf[3] === 0x86) return parsePsf2(buf, name);
	bad(name, 'not a PSF1 or PSF2 font');
}
