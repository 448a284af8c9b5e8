// Fuzzing the terminal sanitiser (src/term/sanitize.ts): whatever a guest writes, in
// whatever chunks, what reaches a viewer's terminal is made only of the allow-list below,
// written here from the sanitiser's documented policy, not from its output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Sanitizer } from '../../src/term/sanitize.ts';
import { chunked } from './bytes.ts';
import { params, timeout } from './params.ts';

// The allow-list, over the output read as latin1 (one char per byte):
const UTF8 = [
	'[\\xc2][\\xa0-\\xbf]', // U+00A0..U+00BF: C1 controls (C2 80..9F) are not text
	'[\\xc3-\\xdf][\\x80-\\xbf]',
	'\\xe0[\\xa0-\\xbf][\\x80-\\xbf]', // no overlong forms
	'[\\xe1-\\xec\\xee\\xef][\\x80-\\xbf]{2}',
	'\\xed[\\x80-\\x9f][\\x80-\\xbf]', // no surrogates
	'\\xf0[\\x90-\\xbf][\\x80-\\xbf]{2}',
	'[\\xf1-\\xf3][\\x80-\\xbf]{3}',
	'\\xf4[\\x80-\\x8f][\\x80-\\xbf]{2}', // nothing past U+10FFFF
].join('|');
const DEC_MODE = '(?:6|7|12|25)';
const CSI = [
	`\\?(?:${DEC_MODE};)*${DEC_MODE}[hl]`, // origin, autowrap, cursor blink, cursor visible
	'(?:4;)*4[hl]', // insert mode
	'[su]', // save and restore the cursor, without parameters
	'[0-9;:]*[ABCDEFGHIJKLMPSTXZ@abdefgmr`]', // move, erase, edit, colour (checked below)
].join('|');
const TOKEN = new RegExp(
	[
		'[\\x20-\\x7e]', // printable ASCII
		'[\\x07-\\x0f]', // BEL BS HT LF VT FF CR SO SI
		'\\x1b[78DEHM]', // save/restore cursor, index, next line, tab set, reverse index
		'\\x1b[()*+][AB0]', // character sets: UK, ASCII, DEC line drawing
		`\\x1b\\[(?:${CSI})`,
		UTF8,
	].join('|'),
	'y',
);

/** Why `out` is not made of allowed tokens, or null. */
function outsideAllowList(out: Buffer): string | null {
	const s = out.toString('latin1');
	TOKEN.lastIndex = 0;
	while (TOKEN.lastIndex < s.length) {
		const at = TOKEN.lastIndex;
		const m = TOKEN.exec(s);
		if (!m) return `byte 0x${s.charCodeAt(at).toString(16)} at ${at} starts no allowed token: ${JSON.stringify(s.slice(Math.max(0, at - 8), at + 16))}`;
		const t = m[0];
		// ESC [ 3 J wipes the viewer's scrollback; T with several parameters is mouse tracking.
		if (
			t.startsWith('\x1b[') &&
			t.endsWith('J') &&
			!t
				.slice(2, -1)
				.split(';')
				.every((p) => ['', '0', '1', '2'].includes(p))
		)
			return `erase ${JSON.stringify(t)}`;
		if (t.startsWith('\x1b[') && t.endsWith('T') && t.includes(';')) return `mouse tracking ${JSON.stringify(t)}`;
	}
	return null;
}

test('the allow-list accepts what it should and refuses a title, a query and a clipboard write', () => {
	assert.equal(outsideAllowList(Buffer.from('a\x1b[1;31mb\x1b[2J\x1b[?25l\x1b(0q\x1b(B\xc3\xa9\r\n', 'latin1')), null);
	for (const bad of ['\x1b]0;t\x07', '\x1b[c', '\x1b[6n', '\x1b[3J', '\x1b[?1049h', '\x00', '\x05', '\xc2\x9b', '\x1bc', '\x7f']) {
		assert.notEqual(outsideAllowList(Buffer.from(bad, 'latin1')), null, JSON.stringify(bad));
	}
});

test('whatever the guest writes, in whatever chunks, only the allow-list reaches the viewer; state stays bounded', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(chunked(), (chunks) => {
			const s = new Sanitizer();
			const out: Buffer[] = [];
			for (const c of chunks) {
				out.push(s.filter(c));
				// At most one short CSI and one partial character are held between chunks.
				const held = s as unknown as { seq: number[]; utf8: number[] };
				assert.ok(held.seq.length <= 129 && held.utf8.length <= 4, `holding ${held.seq.length} CSI bytes, ${held.utf8.length} UTF-8 bytes`);
			}
			out.push(s.end());
			const why = outsideAllowList(Buffer.concat(out));
			assert.equal(why, null);
		}),
		params(0x5a11, 3000),
	);
});

test('chunking does not change what the viewer gets', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(chunked(), (chunks) => {
			const a = new Sanitizer();
			const whole = Buffer.concat([a.filter(Buffer.concat(chunks)), a.end()]);
			const b = new Sanitizer();
			const parts = Buffer.concat([...chunks.map((c) => b.filter(c)), b.end()]);
			assert.deepEqual(parts, whole);
		}),
		params(0x5a12, 1500),
	);
});
