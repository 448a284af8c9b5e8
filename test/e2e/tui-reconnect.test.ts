// The TUI outlives the daemon: with a console open, the daemon is killed; the TUI
// reconnects (which starts a new daemon, which adopts the VM) and keeps showing it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN, until } from '../helpers/cli.ts';
import { Tmux, haveTmux } from '../helpers/tmux.ts';

const box = new Sandbox('otu');
const terms: Tmux[] = [];
after(() => {
	for (const t of terms) t.kill();
	box.cleanup();
});

test('a TUI attached to a console survives a daemon SIGKILL and shows what the guest prints next', { skip: haveTmux() ? false : 'tmux is not installed' }, async () => {
	const gate = join(box.dir, 'next');
	await box.ok(['up', 'rc', '--exec', `echo first-part; while [ ! -f ${gate} ]; do sleep 0.1; done; echo second-part; sleep 600`]);
	await box.ok(['wait', 'rc', '--for', 'first-part']);
	const t = new Tmux(120, 30);
	terms.push(t);
	t.start(`${process.execPath} ${BIN} attach rc --spy`, {
		OBSDTUI_RUNTIME_DIR: String(box.env.OBSDTUI_RUNTIME_DIR),
		OBSDTUI_STATE_DIR: String(box.env.OBSDTUI_STATE_DIR),
		PATH: process.env.PATH ?? '',
	});
	await until(() => t.capture().includes('first-part'), 'the console in the TUI');
	const pid = box.daemonPid()!;
	process.kill(pid, 'SIGKILL');
	writeFileSync(gate, '');
	const screen = await until(() => {
		const c = t.capture();
		return c.includes('second-part') ? c : undefined;
	}, 'the TUI to show output printed after the daemon died', 30000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	assert.match(screen, /first-part/);
	assert.notEqual(box.daemonPid(), pid, 'a new daemon runs');
	assert.equal(t.dead(), false, 'the TUI is still running');
	t.sendKeys('C-]', 'q');
	await box.ok(['down', 'rc', '--force']);
});

test('obsdtui console also reconnects and re-attaches after a daemon SIGKILL', { skip: haveTmux() ? false : 'tmux is not installed' }, async () => {
	const gate = join(box.dir, 'next2');
	await box.ok(['up', 'rc2', '--exec', `stty -echo; echo first-part; while [ ! -f ${gate} ]; do sleep 0.1; done; echo second-part; while read l; do echo "got:$l"; done`]);
	await box.ok(['wait', 'rc2', '--for', 'first-part']);
	const t = new Tmux(100, 30);
	terms.push(t);
	t.start(`${process.execPath} ${BIN} console rc2`, {
		OBSDTUI_RUNTIME_DIR: String(box.env.OBSDTUI_RUNTIME_DIR),
		OBSDTUI_STATE_DIR: String(box.env.OBSDTUI_STATE_DIR),
		PATH: process.env.PATH ?? '',
	});
	await until(() => t.capture().includes('first-part'), 'the console to attach');
	process.kill(box.daemonPid()!, 'SIGKILL');
	writeFileSync(gate, '');
	await until(() => t.capture().includes('second-part'), 'output printed while the daemon was down', 30000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	// Re-attached read-write: keys reach the guest through the new daemon.
	t.type('hello');
	t.sendKeys('Enter');
	await until(() => t.capture().includes('got:hello'), 'the guest to answer typed keys');
	t.sendKeys('C-]', 'q');
	await box.ok(['down', 'rc2', '--force']);
});
