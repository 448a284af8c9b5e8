import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextWindow } from '../../src/daemon/text-window.ts';

const push = (w: TextWindow, ...chunks: string[]) => chunks.forEach((c) => w.push(Buffer.from(c, 'latin1')));

test('a prompt followed by a cursor query matches "# $" however the bytes are split', () => {
	const bytes = 'Enter help\r\n\r\n# \x1b[6n';
	for (let cut = 0; cut <= bytes.length; cut++) {
		const w = new TextWindow();
		push(w, bytes.slice(0, cut), bytes.slice(cut));
		assert.ok(w.match(/# $/), `split at ${cut}`);
	}
});

test('escape sequences, CRLF and NULs do not reach the text', () => {
	const w = new TextWindow();
	push(w, '\x1b[1mlog\x1b[0min:\r\n', '\x1b]0;title\x07ok\0\r\n');
	assert.ok(w.match(/^login:\nok\n$/));
});

test('--new only sees output after the mark; the window slides over long output', () => {
	const w = new TextWindow();
	push(w, 'login: ');
	const mark = w.mark();
	assert.equal(w.match(/login:/, mark), null);
	push(w, 'x'.repeat(50 * 1024), 'y'.repeat(50 * 1024), 'z'.repeat(50 * 1024), 'login: ');
	assert.ok(w.match(/login: $/, mark));
	assert.equal(w.match(/^login/), null, 'the start has slid out of the window');
});

test('an unterminated escape is not held forever', () => {
	const w = new TextWindow();
	push(w, '\x1b[' + '1;'.repeat(200), 'after');
	assert.ok(w.match(/after$/));
});

test('CR LF split across chunks is one newline', () => {
	const w = new TextWindow();
	push(w, 'a\r', '\nb');
	assert.ok(w.match(/^a\nb$/));
});
