// The real bundle in a pseudo-terminal: every byte it writes is checked. A replayed
// console full of hostile sequences must leave no trace in the viewer's terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyRun } from '../helpers/pty.ts';

const ESC = '\x1b';

function hostileLog(): Buffer {
	const parts: (string | Buffer)[] = [
		'OpenBSD 7.4 (GENERIC.MP) #1: hostile console test\r\n',
		`${ESC}]52;c;ZWNobyBwd25lZA==\x07clipboard-set\r\n`,
		`${ESC}]0;PWNED-TITLE\x07${ESC}]2;PWNED-TITLE2${ESC}\\title-set\r\n`,
		`${ESC}[c${ESC}[>c${ESC}[=c${ESC}[5n${ESC}[6n${ESC}[?2004$p${ESC}[>0q${ESC}[14t queries\r\n`,
		`${ESC}[?1000h${ESC}[?1006h${ESC}[?2004h${ESC}[?1004h${ESC}[?1h${ESC}=modes\r\n`,
		`${ESC}P+q544e${ESC}\\${ESC}_APC${ESC}\\strings\r\n`,
		`${ESC}]8;;http://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\\r\n`,
		Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0x9b, 0x36, 0x6e, 0x0d, 0x0a]),
		'x'.repeat(200000) + '\r\n',
		`${ESC}[1;31mred bold${ESC}[0m\r\n`,
		`${ESC}]52;c;unterminated...`,
		`${ESC}[0mEND-OF-HOSTILE\r\n`,
	];
	return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

test('a hostile recording never reaches the terminal; alternate screen entered once and left', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-pty-'));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const file = join(dir, 'hostile.log');
	writeFileSync(file, hostileLog());

	const run = new PtyRun(['replay', file, '--speed', '1000'], { cols: 120, rows: 40 });
	t.after(() => run.kill());
	let titles = 0;
	run.view.onTitleChange(() => titles++);
	await run.waitForScreen('END-OF-HOSTILE');
	assert.match(run.screenText(), /red bold/);
	run.write('q');
	const exit = await run.exited;
	assert.equal(exit.exitCode, 0);
	await run.settle();

	const out = run.output().toString('latin1');
	assert.equal(out.includes(`${ESC}]`), false, 'no OSC of any kind');
	assert.equal(out.includes(`${ESC}P`), false, 'no DCS');
	assert.equal(out.includes(`${ESC}_`), false, 'no APC');
	assert.equal(out.includes('\xc2\x9b') || out.includes('\x9b6n'), false, 'no 8-bit CSI');
	for (const q of ['[c', '[>c', '[=c', '[5n', '[6n', '[?2004$p', '[>0q', '[14t', '[?1000h', '[?1006h', '[?2004h', '[?1004h', '[?1h', '=']) {
		assert.equal(out.includes(ESC + q), false, `no ESC${q}`);
	}
	assert.equal(out.includes('PWNED'), false);
	assert.equal(titles, 0, 'the title never changed');
	const enter = out.split(`${ESC}[?1049h`).length - 1;
	const leave = out.split(`${ESC}[?1049l`).length - 1;
	assert.equal(enter, 1, 'alternate screen entered once');
	assert.equal(leave, 1, 'alternate screen left once');
	assert.ok(out.lastIndexOf(`${ESC}[?1049l`) > out.lastIndexOf(`${ESC}[?1049h`));
	assert.equal(run.view.buffer.active.type, 'normal', 'back on the normal screen');
});

test('the console pane shows the guest screen row for row at its own position', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-pty-'));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const file = join(dir, 'boot.log');
	// Known text at known places: 30 numbered lines scroll the first six off an 80x24 screen.
	const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i + 1).padStart(2, '0')} ${'.'.repeat(60)}|`);
	writeFileSync(file, lines.join('\r\n') + '\r\nlast> ');
	const run = new PtyRun(['replay', file, '--speed', '1000'], { cols: 120, rows: 30 });
	t.after(() => run.kill());
	await run.waitForScreen('last>');
	await run.settle();
	const screen = run.screenLines();
	// Guest rows 0..22 are lines 08..30, row 23 the prompt: the pane starts at column 0.
	for (let i = 0; i < 23; i++) assert.equal(screen[i].slice(0, 80).trimEnd(), lines[i + 7]);
	assert.equal(screen[23].slice(0, 80).trimEnd(), 'last>');
	run.write('q');
	assert.equal((await run.exited).exitCode, 0);
});

for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
	test(`${signal} ends the TUI with the terminal restored`, async (t) => {
		const run = new PtyRun(['demo'], { cols: 100, rows: 30 });
		t.after(() => run.kill());
		await run.waitForScreen('arm64-installer │');
		const before = run.output().length;
		process.kill(run.pty.pid, signal);
		const exit = await run.exited;
		assert.equal(exit.exitCode, 128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal]);
		await run.settle();
		const tail = run.output().subarray(before).toString('latin1');
		assert.ok(tail.includes(`${ESC}[?1049l`), 'left the alternate screen');
		assert.ok(tail.includes(`${ESC}[?25h`), 'cursor shown again');
		assert.ok(tail.includes(`${ESC}[?7h`), 'autowrap back on');
		assert.equal(run.view.buffer.active.type, 'normal');
	});
}
