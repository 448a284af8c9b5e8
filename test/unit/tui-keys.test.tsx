import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextKey, parseKeys, parsePrefix, prefixLabel } from '../../src/tui/keys.ts';
import { UserError } from '../../src/common/errors.ts';

test('prefix specs: control keys, single characters, and never ~', () => {
	assert.equal(parsePrefix('C-]'), 0x1d);
	assert.equal(parsePrefix('^]'), 0x1d);
	assert.equal(parsePrefix('ctrl-a'), 0x01);
	assert.equal(parsePrefix('C-b'), 0x02);
	assert.equal(parsePrefix('^^'), 0x1e);
	assert.equal(parsePrefix('`'), 0x60);
	assert.throws(() => parsePrefix('~'), UserError);
	assert.throws(() => parsePrefix('C-1'), /no control character/);
	assert.throws(() => parsePrefix('meta-x'), /C-x/);
	assert.equal(prefixLabel(0x1d), 'C-]');
	assert.equal(prefixLabel(0x01), 'C-a');
});

test('keys of the TUI screens, including sequences and UTF-8', () => {
	const keys = parseKeys(Buffer.from('\x1b[A\x1bOB\x1b[5~j\r\x7f\x1b\x03\x1d界', 'utf8'), 0x1d);
	assert.deepEqual(keys, [
		{ name: 'up' },
		{ name: 'down' },
		{ name: 'pageup' },
		{ name: 'char', char: 'j' },
		{ name: 'enter' },
		{ name: 'backspace' },
		{ name: 'escape' },
		{ name: 'ctrl-c' },
		{ name: 'prefix' },
		{ name: 'char', char: '界' },
	]);
	assert.deepEqual(nextKey(Buffer.from('\x1b[5~rest'), 0x1d), { key: { name: 'pageup' }, length: 4 });
	assert.deepEqual(nextKey(Buffer.from([0xff, 0x41]), 0x1d), { key: { name: 'other' }, length: 1 });
});
