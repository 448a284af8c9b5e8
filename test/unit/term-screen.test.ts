import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestScreen } from '../../src/term/screen.ts';

async function screenOf(bytes: string, cols = 20, rows = 5): Promise<GuestScreen> {
	const s = new GuestScreen(cols, rows, 100);
	s.write(bytes);
	await s.flush();
	return s;
}

test('a line is drawn with our own SGR: attributes and colours, reset at the end, trailing blanks dropped', async () => {
	const s = await screenOf('ab\x1b[1;4mcd\x1b[0m \x1b[7mef\x1b[0m\x1b[31mg\x1b[0m   ');
	assert.equal(s.renderLine(s.base, 0, 20, '16'), 'ab\x1b[0;1;4mcd\x1b[0m \x1b[0;7mef\x1b[0;31mg\x1b[0m');
	assert.equal(s.renderLine(s.base, 0, 20, 'mono'), 'ab\x1b[0;1;4mcd\x1b[0m \x1b[0;7mef\x1b[0mg');
});

test('truecolor and 256-colour cells at each depth', async () => {
	const s = await screenOf('\x1b[38;2;255;135;0mA\x1b[48;5;196mB\x1b[0m');
	assert.equal(s.renderLine(s.base, 0, 20, 'truecolor'), '\x1b[0;38;2;255;135;0mA\x1b[0;38;2;255;135;0;48;5;196mB\x1b[0m');
	assert.equal(s.renderLine(s.base, 0, 20, '16'), '\x1b[0;33mA\x1b[0;33;101mB\x1b[0m'); // ff8700 is nearest to yellow
});

test('a window onto the line: columns clipped, a wide character cut by the edge becomes a blank', async () => {
	const s = await screenOf('0123456789─界x');
	assert.equal(s.renderLine(s.base, 3, 4, 'mono'), '3456');
	assert.equal(s.renderLine(s.base, 10, 3, 'mono'), '─界'); // 界 takes columns 11-12
	assert.equal(s.renderLine(s.base, 10, 2, 'mono'), '─'); // cut: its blank is trailing
	assert.equal(s.renderLine(s.base, 12, 2, 'mono'), 'x'); // starting on its right half
});

test('a search mark inverts exactly the matched columns', async () => {
	const s = await screenOf('panic: fault');
	assert.equal(s.renderLine(s.base, 0, 20, 'mono', { col: 0, length: 5 }), '\x1b[0;7mpanic\x1b[0m: fault');
});

test('search covers the scrollback, case-insensitive, in both directions', async () => {
	const lines = Array.from({ length: 12 }, (_, i) => `line ${i}${i === 2 || i === 9 ? ' PANIC here' : ''}`);
	const s = await screenOf(lines.join('\r\n'), 20, 5);
	assert.equal(s.length, 12);
	assert.equal(s.base, 7);
	assert.deepEqual(s.search('panic', 11, 'up'), { line: 9, col: 7, length: 5 });
	assert.deepEqual(s.search('panic', 8, 'up'), { line: 2, col: 7, length: 5 });
	assert.equal(s.search('panic', 1, 'up'), null);
	assert.deepEqual(s.search('PANIC', 3, 'down'), { line: 9, col: 7, length: 5 });
	assert.equal(s.search('', 11, 'up'), null);
});

test('the screen as text, cursor position and change notifications', async () => {
	const s = new GuestScreen(10, 3, 10);
	let changes = 0;
	s.onChange(() => changes++);
	s.write('login: ');
	await s.flush();
	assert.deepEqual(s.screenText(), ['login: ', '', '']);
	assert.deepEqual(s.cursor, { x: 7, y: 0 });
	assert.ok(changes > 0);
});
