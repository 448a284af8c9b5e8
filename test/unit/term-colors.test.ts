import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorSgr, detectColorDepth } from '../../src/term/colors.ts';

test('colour depth from the environment; NO_COLOR wins', () => {
	assert.equal(detectColorDepth({ TERM: 'xterm-256color', COLORTERM: 'truecolor' }, true), 'truecolor');
	assert.equal(detectColorDepth({ TERM: 'xterm-256color' }, true), '256');
	assert.equal(detectColorDepth({ TERM: 'screen' }, true), '16');
	assert.equal(detectColorDepth({ TERM: 'vt100' }, true), '16');
	assert.equal(detectColorDepth({ TERM: 'dumb' }, true), 'mono');
	assert.equal(detectColorDepth({ TERM: 'xterm-256color', COLORTERM: 'truecolor', NO_COLOR: '1' }, true), 'mono');
	assert.equal(detectColorDepth({ TERM: 'xterm-256color', NO_COLOR: '' }, true), '256', 'an empty NO_COLOR does not count');
	assert.equal(detectColorDepth({ TERM: 'xterm' }, false), 'mono');
	assert.equal(detectColorDepth({ FORCE_COLOR: '3' }, false), 'truecolor');
	assert.equal(detectColorDepth({ TERM: 'xterm-256color', FORCE_COLOR: '0' }, true), 'mono');
});

test('colours degrade to what the terminal shows', () => {
	const orange = { kind: 'rgb', value: 0xff8700 } as const;
	assert.equal(colorSgr(orange, true, 'truecolor'), '38;2;255;135;0');
	assert.equal(colorSgr(orange, true, '256'), '38;5;208'); // xterm's 208 is exactly ff8700
	assert.equal(colorSgr(orange, false, '16'), '43'); // nearest of the 16 (RGB distance) is yellow cd cd 00
	assert.equal(colorSgr(orange, true, 'mono'), '');
	assert.equal(colorSgr({ kind: 'palette', index: 1 }, true, '16'), '31');
	assert.equal(colorSgr({ kind: 'palette', index: 12 }, false, '256'), '104');
	assert.equal(colorSgr({ kind: 'palette', index: 196 }, true, '16'), '91'); // ff0000
	assert.equal(colorSgr({ kind: 'palette', index: 196 }, true, '256'), '38;5;196');
	assert.equal(colorSgr({ kind: 'default' }, true, 'truecolor'), '');
});
