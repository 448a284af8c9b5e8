import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sanitizer } from '../../src/term/sanitize.ts';

function clean(input: string | Buffer): string {
	const s = new Sanitizer();
	const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
	return Buffer.concat([s.filter(buf), s.end()]).toString('latin1');
}

// Feeds one byte at a time: every sequence is split across chunks.
function cleanByteWise(input: string): string {
	const s = new Sanitizer();
	const parts: Buffer[] = [];
	for (const b of Buffer.from(input, 'latin1')) parts.push(s.filter(Buffer.from([b])));
	parts.push(s.end());
	return Buffer.concat(parts).toString('latin1');
}

const both = (input: string, expected: string) => {
	assert.equal(clean(input), expected, 'whole');
	assert.equal(cleanByteWise(input), expected, 'byte by byte');
};

test('plain console text and line controls pass unchanged', () => {
	both('OpenBSD 7.4 (RAMDISK_CD) #1322\r\nboot> \x08 \x08\tx\x07', 'OpenBSD 7.4 (RAMDISK_CD) #1322\r\nboot> \x08 \x08\tx\x07');
});

test('drawing sequences pass: cursor, erase, SGR, scroll region, save/restore, charsets', () => {
	const drawing = [
		'\x1b[H', '\x1b[2J', '\x1b[1;1H', '\x1b[K', '\x1b[1K', '\x1b[10A', '\x1b[3B', '\x1b[C', '\x1b[D',
		'\x1b[5G', '\x1b[12d', '\x1b[0m', '\x1b[1;4;7m', '\x1b[38;5;196m', '\x1b[38;2;10;20;30;48;2;1;2;3m',
		'\x1b[38:2::10:20:30m', '\x1b[2;23r', '\x1b[r', '\x1b[3L', '\x1b[2M', '\x1b[4P', '\x1b[5X', '\x1b[2@',
		'\x1b[S', '\x1b[2T', '\x1b7', '\x1b8', '\x1bM', '\x1bD', '\x1bE', '\x1b[s', '\x1b[u', '\x1b(0', '\x1b(B',
		'\x1b)0', '\x0e', '\x0f', '\x1b[?25l', '\x1b[?25h', '\x1b[?7l', '\x1b[4h', '\x1b[4l',
	];
	for (const seq of drawing) both(`a${seq}b`, `a${seq}b`);
});

test('OSC is dropped whatever its terminator: title, OSC 52 clipboard, OSC 8, colour query', () => {
	both('a\x1b]0;pwned title\x07b', 'ab');
	both('a\x1b]2;title\x1b\\b', 'ab');
	both('a\x1b]52;c;ZWNobyBwd25lZAo=\x07b', 'ab');
	both('a\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\b', 'alinkb');
	both('a\x1b]11;?\x07b', 'ab');
	both('a\x1b]4;1;rgb:ff/00/00\x1b\\b', 'ab');
});

test('DCS, SOS, PM and APC strings are dropped, including their payload', () => {
	both('a\x1bP+q544e\x1b\\b', 'ab'); // XTGETTCAP
	both('a\x1bP$qm\x1b\\b', 'ab'); // DECRQSS
	both('a\x1bXsos\x1b\\b', 'ab');
	both('a\x1b^pm\x1b\\b', 'ab');
	both('a\x1b_Gf=100;AAAA\x1b\\b', 'ab'); // kitty graphics
	// BEL does not end a DCS: the payload up to ST stays hidden.
	both('a\x1bPq\x07still dcs\x1b\\b', 'ab');
});

test('terminal queries are dropped: DA1/DA2/DA3, DSR, DECRQM, XTVERSION, window ops, ENQ', () => {
	both('a\x1b[cb', 'ab');
	both('a\x1b[0cb', 'ab');
	both('a\x1b[>cb', 'ab');
	both('a\x1b[>0cb', 'ab');
	both('a\x1b[=cb', 'ab');
	both('a\x1b[5nb', 'ab');
	both('a\x1b[6nb', 'ab');
	both('a\x1b[?6nb', 'ab');
	both('a\x1b[?2004$pb', 'ab');
	both('a\x1b[4$pb', 'ab');
	both('a\x1b[>0qb', 'ab');
	both('a\x1b[14tb', 'ab');
	both('a\x1b[8;50;200tb', 'ab');
	both('a\x1b[21tb', 'ab');
	both('a\x05b', 'ab');
});

test('mode changes that outlive the console are dropped', () => {
	for (const seq of [
		'\x1b[?1000h', '\x1b[?1002h', '\x1b[?1003h', '\x1b[?1006h', '\x1b[?1015h', // mouse
		'\x1b[?2004h', '\x1b[?2004l', // bracketed paste
		'\x1b[?1049h', '\x1b[?1049l', '\x1b[?47h', '\x1b[?1047h', // alternate screen
		'\x1b[?1004h', // focus events
		'\x1b[?1h', '\x1b[?1l', '\x1b=', '\x1b>', // cursor-key and keypad modes
		'\x1bc', // full reset
		'\x1b[20h', // LNM changes what the viewer's Enter sends
		'\x1b[?2026h', '\x1b[>4;2m', '\x1b[>1u', '\x1b[?u', '\x1b[!p', '\x1b[2 q', '\x1b[3J', '\x1b#8', '\x1b%G',
	]) {
		both(`a${seq}b`, 'ab');
	}
});

test('a mode list keeps only the harmless modes', () => {
	both('a\x1b[?25;1000;1049hb', 'a\x1b[?25hb');
	both('a\x1b[?1000;1006lb', 'ab');
});

test('8-bit C1 controls encoded as UTF-8 are never emitted and their strings are dropped', () => {
	const c1 = (n: number) => Buffer.from([0xc2, n]).toString('latin1');
	both(`a${c1(0x9b)}6nb`, 'ab'); // CSI 6 n
	both(`a${c1(0x9d)}0;title\x07b`, 'ab'); // OSC
	both(`a${c1(0x90)}payload${c1(0x9c)}b`, 'ab'); // DCS ... ST
	both(`a${c1(0x85)}b`, 'ab'); // NEL
});

test('invalid UTF-8 becomes U+FFFD; valid UTF-8 passes, also split across chunks', () => {
	const fffd = '\xef\xbf\xbd';
	const box = Buffer.from('┌─┐ é 𝄞', 'utf8').toString('latin1');
	both(`${box}`, box);
	both('a\xffb', `a${fffd}b`);
	both('a\xc0\xafb', `a${fffd}${fffd}b`); // overlong '/'
	both('a\xed\xa0\x80b', `a${fffd}${fffd}${fffd}b`); // surrogate
	both('a\xe2\x94b', `a${fffd}b`); // truncated, then ASCII
	both('a\xe2\x94', `a${fffd}`); // truncated at end of stream
	// A raw 0x9b is not UTF-8 and must not reach the terminal as a C1 CSI.
	both('a\x9b6nb', `a${fffd}6nb`);
});

test('an unterminated OSC keeps no memory and ends at the next escape sequence', () => {
	const s = new Sanitizer();
	const junk = Buffer.alloc(1 << 20, 0x41);
	assert.equal(s.filter(Buffer.from('a\x1b]52;c;', 'latin1')).toString('latin1'), 'a');
	for (let i = 0; i < 16; i++) assert.equal(s.filter(junk).length, 0);
	assert.equal(s.filter(Buffer.from('\x1b[1mb', 'latin1')).toString('latin1'), '\x1b[1mb');
});

test('an overlong CSI is dropped whole and the text after it survives', () => {
	both(`a\x1b[${'1;'.repeat(200)}mb`, 'ab');
	both(`a\x1b[${'9'.repeat(10000)}Hb`, 'ab');
});

test('controls inside a sequence act, CAN aborts, ESC restarts', () => {
	both('a\x1b[1\r\n2Ab', 'a\r\n\x1b[12Ab');
	both('a\x1b[12\x18Ab', 'aAb');
	both('a\x1b[12\x1b[1mb', 'a\x1b[1mb');
	both('a\x1b]0;t\x18b', 'ab');
});

test('a huge line without controls passes through in one piece', () => {
	const line = 'x'.repeat(1 << 20);
	assert.equal(clean(line), line);
});
