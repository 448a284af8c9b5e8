import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToStrokes, strokeEvents, XK, GLASS_BREAK } from '../../src/glass/keys.ts';
import { GlassStreamDecoder } from '../../src/glass/stream.ts';
import { GlassText } from '../../src/daemon/glass.ts';

test('terminal bytes become key strokes a framebuffer console understands', () => {
	assert.deepEqual(bytesToStrokes('ls\r'), [{ keysym: 0x6c }, { keysym: 0x73 }, { keysym: XK.Return }]);
	// CR LF from a script is one Enter; a lone LF is Enter too.
	assert.deepEqual(bytesToStrokes('a\r\nb\n'), [{ keysym: 0x61 }, { keysym: XK.Return }, { keysym: 0x62 }, { keysym: XK.Return }]);
	assert.deepEqual(bytesToStrokes('\x7f\x08\t'), [{ keysym: XK.BackSpace }, { keysym: XK.BackSpace }, { keysym: XK.Tab }]);
	assert.deepEqual(bytesToStrokes('\x03'), [{ keysym: 0x63, ctrl: true }]);
	assert.deepEqual(bytesToStrokes('\x1b[A\x1bOD'), [{ keysym: XK.Up }, { keysym: XK.Left }]);
	assert.deepEqual(bytesToStrokes('\x1bx'), [{ keysym: 0x78, alt: true }]);
	assert.deepEqual(bytesToStrokes('\x1b'), [{ keysym: XK.Escape }]);
	assert.deepEqual(bytesToStrokes('é€'), [{ keysym: 0xe9 }, { keysym: 0x01000000 + 0x20ac }]);
	// What a US keyboard types with Shift is sent with Shift held: the server maps keysyms to keys.
	assert.deepEqual(bytesToStrokes(Buffer.from('{0}A')), [{ keysym: 0x7b, shift: true }, { keysym: 0x30 }, { keysym: 0x7d, shift: true }, { keysym: 0x41, shift: true }]);
	assert.deepEqual(strokeEvents([{ keysym: 0x24, shift: true }]), [[XK.Shift_L, true], [0x24, true], [0x24, false], [XK.Shift_L, false]]);
});

test('the glass BREAK is Ctrl+Alt+Esc: modifiers down first, released last', () => {
	assert.deepEqual(strokeEvents([GLASS_BREAK]), [
		[XK.Control_L, true],
		[XK.Alt_L, true],
		[XK.Escape, true],
		[XK.Escape, false],
		[XK.Alt_L, false],
		[XK.Control_L, false],
	]);
});

test('the glass viewer stream decodes back to a transcript, the open line given as it grows', () => {
	const d = new GlassStreamDecoder();
	let text = '';
	text += d.push('\r\x1b[Kline one\r\n\r\x1b[Kddb{0}');
	text += d.push('> ');
	assert.equal(text, 'line one\nddb{0}> ');
	// The prompt is redrawn with what was typed, then becomes final.
	text += d.push('\r\x1b[Kddb{0}> sh');
	text += d.push('\r\x1b[Kddb{0}> show panic\r\n\r\x1b[K');
	assert.equal(text, 'line one\nddb{0}> show panic\n');
	// An edited open line (backspace) ends what was given and starts over.
	text += d.push('\r\x1b[Kabc');
	text += d.push('\r\x1b[Kab');
	text += d.push('\r\x1b[Kabd\r\n');
	assert.equal(text, 'line one\nddb{0}> show panic\nabc\nabd\n');
	// A marker cut between two chunks.
	text += d.push('\r\x1b');
	text += d.push('[Klast\r\n');
	assert.ok(text.endsWith('abd\nlast\n'), JSON.stringify(text));
});

test('glass text: wait patterns see final lines and the open line, $ at its end', () => {
	const t = new GlassText();
	t.pushLines(['Stopped at      db_enter+0x18:  brk     #0x0']);
	t.open = 'ddb{0}> ';
	assert.equal(t.match(/ddb\{\d+\}> $/)?.[0], 'ddb{0}> ');
	const mark = t.mark();
	assert.equal(t.match(/Stopped at/, mark), null);
	t.pushLines(['ddb{0}> trace']);
	t.open = '';
	assert.equal(t.match(/trace$/m, mark)?.[0], 'trace');
});

test('control characters past ^Z are typed on the keys that make them', () => {
	assert.deepEqual(bytesToStrokes('\x00'), [{ keysym: 0x20, ctrl: true }]);
	assert.deepEqual(bytesToStrokes('\x1c\x1d\x1e\x1f'), [
		{ keysym: 0x5c, ctrl: true },
		{ keysym: 0x5d, ctrl: true },
		{ keysym: 0x5e, shift: true, ctrl: true },
		{ keysym: 0x5f, shift: true, ctrl: true },
	]);
});
