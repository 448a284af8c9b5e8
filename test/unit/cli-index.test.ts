// src/cli/index.ts loads commands lazily by the first word of the command line. Its
// table of names must agree with what each command module declares, or `obsdtui NAME`
// would load the wrong command (or none) while `obsdtui --help` still lists it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandModule } from 'yargs';
import { allCommands, commandsFor } from '../../src/cli/index.ts';

const word = (c: CommandModule) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0];

test('a command word loads that command alone', async () => {
	const all = await allCommands();
	const words = all.map(word).filter((w) => w !== '$0');
	assert.ok(words.includes('ls') && words.includes('up') && words.length >= 10, words.join(' '));
	for (const w of words) {
		const got = await commandsFor([w, 'x', '--json']);
		assert.deepEqual(got.map(word), [w], `obsdtui ${w}`);
	}
});

test('options before the command word are skipped; obsdtui --help, the TUI and unknown words get every command', async () => {
	const all = await allCommands();
	assert.deepEqual((await commandsFor(['--json', 'ls'])).map(word), ['ls']);
	assert.deepEqual((await commandsFor(['ls', '--help'])).map(word), ['ls']);
	for (const argv of [[], ['--help'], ['-h'], ['lss'], ['--prefix', 'C-a']]) {
		assert.equal((await commandsFor(argv)).length, all.length, `obsdtui ${argv.join(' ')}`);
	}
	assert.deepEqual(await commandsFor(['--version']), []);
});

test('the value of the global -H/--host is not taken for the command word', async () => {
	assert.deepEqual((await commandsFor(['-H', 'ls', 'up', 'vm'])).map(word), ['up']);
	assert.deepEqual((await commandsFor(['--host', 'wait', 'ls'])).map(word), ['ls']);
	assert.deepEqual((await commandsFor(['--host=wait', 'ls'])).map(word), ['ls']);
});
