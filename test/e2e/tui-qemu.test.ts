// The TUI against the real arm64 test guest, in real terminals (tmux): a rw and a spy
// viewer see the daemon's screen cell for cell, the spy's keys never reach the guest,
// resizing re-lays out cleanly, and hostile guest output changes nothing in the viewer.
// One boot for the whole file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';
import { testGuest, guestUnavailableReason, type TestGuest } from '../helpers/guest.ts';
import { Tmux, haveTmux } from '../helpers/tmux.ts';
import { BUNDLE, PtyRun } from '../helpers/pty.ts';
import { connectDaemon } from '../../src/client/client.ts';

const box = new Sandbox('ott');
let guest: TestGuest | null = null;
const terms: Tmux[] = [];

before(async () => {
	guest = haveTmux() ? await testGuest() : null;
	if (!guest) return;
	const g = guest;
	await box.ok(['up', 't1', '--kernel', g.kernel, '--initrd', g.initrd, '--append', g.append, '--mem', '512']);
	await box.ok(['wait', 't1', '--for', '# $', '--timeout', '240'], { timeoutMs: 260000 });
});

after(() => {
	for (const t of terms) t.kill();
	box.cleanup();
});

function skipReason(): string {
	return haveTmux() ? guestUnavailableReason() : 'tmux is not installed';
}

function viewer(width: number, height: number, args: string): Tmux {
	const t = new Tmux(width, height);
	terms.push(t);
	t.start(`${process.execPath} ${BUNDLE} ${args}`, {
		OBSDTUI_RUNTIME_DIR: String(box.env.OBSDTUI_RUNTIME_DIR),
		OBSDTUI_STATE_DIR: String(box.env.OBSDTUI_STATE_DIR),
		PATH: process.env.PATH ?? '',
	});
	return t;
}

/** The daemon's own screen of t1, as text lines. */
async function daemonScreen(): Promise<string[]> {
	process.env.OBSDTUI_RUNTIME_DIR = String(box.env.OBSDTUI_RUNTIME_DIR);
	process.env.OBSDTUI_STATE_DIR = String(box.env.OBSDTUI_STATE_DIR);
	const c = await connectDaemon({ autostart: false, who: 'tui-qemu test' });
	try {
		return (await c.request<{ lines: string[] }>('screen_text', { name: 't1' })).lines;
	} finally {
		c.close();
	}
}

const rowsOf = (capture: string) => capture.replace(/\n$/, '').split('\n');
const guestPart = (rows: string[], n: number, width = 80) => rows.slice(0, n).map((r) => [...r].slice(0, width).join('').trimEnd());

async function settledScreen(): Promise<string[]> {
	// The guest is quiet once a command's output is in; two equal reads say so.
	let prev = await daemonScreen();
	for (;;) {
		await new Promise((r) => setTimeout(r, 300));
		const now = await daemonScreen();
		if (now.join('\n') === prev.join('\n')) return now.map((l) => l.trimEnd());
		prev = now;
	}
}

test('rw and spy viewers show the guest screen cell for cell; the spy cannot type', async (t) => {
	if (!guest) return t.skip(skipReason());
	const rw = viewer(120, 40, 'attach t1');
	await rw.waitForText('t1 │ running', 30000);
	const spy = viewer(120, 40, 'attach t1 --spy');
	await spy.waitForText('│ spy │', 30000);

	rw.type('echo hello-$((6*7))');
	rw.sendKeys('Enter');
	await rw.waitForText('\nhello-42', 60000);
	await spy.waitForText('\nhello-42', 60000);

	spy.type('echo spied-$((1+1))');
	spy.sendKeys('Enter');
	await spy.waitForText('spy: your keys do not reach t1');
	rw.type('echo after-$((2+3))');
	rw.sendKeys('Enter');
	await rw.waitForText('\nafter-5', 60000);

	const screen = await settledScreen();
	await rw.waitFor((s) => guestPart(rowsOf(s), 24).join('\n') === screen.join('\n'), 20000, 'the rw viewer to match the daemon screen');
	await spy.waitFor((s) => guestPart(rowsOf(s), 24).join('\n') === screen.join('\n'), 20000, 'the spy to match the daemon screen');
	const log = readFileSync(join(box.vmDir('t1'), 'boot.001.log'), 'latin1');
	assert.equal(log.includes('spied'), false, "the spy's keys never reached the guest");
	assert.match(log, /after-5/);

	// Attributes too: tmux renders both viewers' cells; the guest region must be identical.
	// The side column goes first: each viewer refreshes its live evidence on its own
	// clock, so for a moment two viewers may show different stage times there.
	for (const v of [rw, spy]) {
		v.sendKeys('C-]', 'p');
		await v.waitFor((s) => !s.includes('Boot timeline'), 20000, 'panels hidden');
	}
	const a = rowsOf(rw.capture(true)).slice(0, 24);
	const b = rowsOf(spy.capture(true)).slice(0, 24);
	assert.deepEqual(a.map((r) => r.slice(0, 200)), b.map((r) => r.slice(0, 200)));

	spy.sendKeys('C-]', 'q');
	await spy.waitFor(() => spy.dead(), 20000, 'the spy to quit');
});

test('colours and attributes: the TUI pane and `obsdtui console` show the same cells', async (t) => {
	if (!guest) return t.skip(skipReason());
	const tui = viewer(120, 40, 'attach t1 --takeover');
	await tui.waitForText('t1 │ running', 30000);
	tui.type("printf '\\033[1;31mBOLD-RED\\033[0m \\033[4;44mUNDER-BLUE\\033[0m \\033[7mINVERSE\\033[0m \\033[38;5;208mORANGE\\033[0m \\033[2;3mDIM-ITALIC\\033[0m %s\\n' COLOURS-$((3*3))");
	tui.sendKeys('Enter');
	await tui.waitForText('\nBOLD-RED UNDER-BLUE INVERSE ORANGE DIM-ITALIC COLOURS-9', 60000);
	await settledScreen();
	tui.sendKeys('C-]', 'p'); // panels off: the pane rows hold nothing else
	await tui.waitFor((s) => !s.includes('Boot timeline'), 20000, 'panels hidden');
	const raw = viewer(80, 24, 'console t1 --spy');
	await raw.waitForText('COLOURS-9', 30000);
	const cells = (term: Tmux) =>
		rowsOf(term.capture(true))
			.slice(0, 24)
			.map((r) => r.replace(/(\x1b\[[0-9;]*m| )+$/, ''));
	try {
		await tui.waitFor(() => cells(tui).join('\n') === cells(raw).join('\n'), 20000, 'the same cells in both');
	} catch (err) {
		// Show where they differ: both captures, escapes visible.
		const a = cells(tui);
		const b = cells(raw);
		const diff = a.map((r, i) => (r === b[i] ? null : `row ${i}\n tui: ${JSON.stringify(r)}\n raw: ${JSON.stringify(b[i])}`)).filter(Boolean);
		throw new Error(`${(err as Error).message.split('\n')[0]}\n${diff.join('\n')}`);
	}
	const line = cells(tui).find((r) => r.includes('COLOURS-9'))!;
	assert.match(line, /\x1b\[1m\x1b\[31mBOLD-RED|\x1b\[1;31mBOLD-RED|\x1b\[31;1mBOLD-RED/, 'bold red survived');
	assert.match(line, /INVERSE/);
	raw.sendKeys('C-]', 'q');
	tui.sendKeys('C-]', 'q');
});

test('resizing the terminal re-lays out without garbage', async (t) => {
	if (!guest) return t.skip(skipReason());
	const v = viewer(120, 40, 'attach t1 --spy');
	await v.waitForText('Boot timeline', 30000);
	const screen = await settledScreen();
	v.resize(80, 24);
	// 23 pane rows: the guest screen without its first row (the cursor is on the last row)
	// or without its last one; either way whole guest rows, nothing wrapped or left over.
	const windows = [screen.slice(0, 23), screen.slice(1, 24)].map((w) => w.join('\n'));
	const small = rowsOf(
		await v.waitFor(
			(s) => {
				const r = rowsOf(s);
				return r.length === 24 && /^ t1 │ running/.test(r[23]) && windows.includes(r.slice(0, 23).map((x) => x.trimEnd()).join('\n'));
			},
			20000,
			'the 80x24 layout: 23 guest rows and the status line',
		),
	);
	assert.equal(small.join('\n').includes('Boot timeline'), false);
	v.resize(120, 40);
	const big = rowsOf(await v.waitFor((s) => s.includes('Boot timeline') && guestPart(rowsOf(s), 24).join('\n') === screen.join('\n'), 20000, 'the 120x40 layout'));
	assert.ok(big.slice(25, 39).every((r) => !/\S/.test(r.slice(0, 80))), 'below the guest: empty rows after the edge line');
	v.sendKeys('C-]', 'q');
});

test('a guest printing OSC 52, a title, DA/DSR queries and mode changes changes nothing in the viewer', async (t) => {
	if (!guest) return t.skip(skipReason());
	// Control: with set-clipboard on, a program in a pane that prints OSC 52 does create
	// a tmux paste buffer, so an empty buffer list below means something.
	const control = new Tmux(80, 24);
	terms.push(control);
	control.start("sh -c 'sleep 1; printf \"\\033]52;c;Y29udHJvbA==\\007\"; sleep 30'");
	control.set('set-clipboard', 'on');
	await control.waitFor(() => control.buffers() !== '', 10000, 'the control OSC 52 to make a buffer');

	const rw = viewer(120, 40, 'attach t1 --takeover');
	rw.set('set-clipboard', 'on');
	await rw.waitForText('t1 │ running', 30000);
	const titleBefore = rw.paneTitle();
	rw.type(
		"printf '\\033]52;c;cHduZWQ=\\007\\033]0;PWNED\\007\\033]2;PWNED\\033\\\\\\033[c\\033[>c\\033[6n\\033[?1000h\\033[?2004h\\033[?1049hHOSTILE-DONE-%d\\n' 7",
	);
	rw.sendKeys('Enter');
	await rw.waitForText('\nHOSTILE-DONE-7', 60000);
	assert.equal(rw.paneTitle(), titleBefore, 'the title did not change');
	assert.equal(rw.option('#{mouse_any_flag}'), '0', 'no mouse tracking');
	assert.equal(rw.buffers(), '', 'OSC 52 did not reach the clipboard (tmux would keep it as a paste buffer)');
	// A DA or DSR answer would have been typed into the guest's shell.
	const log = readFileSync(join(box.vmDir('t1'), 'boot.001.log'), 'latin1');
	assert.ok(log.includes('\x1b]52;c;cHduZWQ=\x07') && log.includes('\x1b[6n'), 'the guest really sent them');
	const after = log.slice(log.lastIndexOf('HOSTILE-DONE-7'));
	assert.equal(/\x1b\[\?[0-9;]*c|\x1b\[>[0-9;]*c|\x1b\[\d+;\d+R/.test(after.slice(0, 200)), false);
	rw.sendKeys('C-]', 'q');
});

test('`obsdtui` with no command: the VM list from the daemon, Enter attaches, prefix s returns, q quits', async (t) => {
	if (!guest) return t.skip(skipReason());
	const v = viewer(110, 30, '');
	// LOGS (size/boots), STAGE, VIEWERS.
	const list = await v.waitFor((s) => /^> t1\s+qemu\s+running\s+\S+\/1\s+\S+\s+\d+/m.test(s), 30000, 'the list row of t1');
	assert.match(list, /^NAME\s+BACKEND\s+STATE\s+LOGS\s+STAGE\s+VIEWERS\s+ALERTS/m);
	v.sendKeys('Enter');
	await v.waitForText('t1 │ running', 30000);
	v.sendKeys('C-]', 's');
	await v.waitFor((s) => /^> t1/m.test(s), 20000, 'the list again');
	v.sendKeys('q');
	await v.waitFor(() => v.dead(), 20000, 'the TUI to quit');
});

test('`obsdtui log --format asciicast` of the boot replays in the TUI', async (t) => {
	if (!guest) return t.skip(skipReason());
	const cast = await box.ok(['log', 't1', '--format', 'asciicast']);
	assert.match(cast.split('\n')[0], /"version":\s*2/);
	const file = join(box.dir, 't1.cast');
	writeFileSync(file, cast);
	const run = new PtyRun(['replay', file, '--speed', '1000'], { cols: 120, rows: 40 });
	t.after(() => run.kill());
	// The whole boot replayed from the export ends on the daemon's own screen.
	const screen = await settledScreen();
	await run.waitFor(() => guestPart(run.screenLines(), 24).join('\n') === screen.join('\n'), 60000, 'the replay to reach the guest screen');
	assert.match(run.screenText(), /t1 │ (playing|finished)/);
	run.write('q');
	assert.equal((await run.exited).exitCode, 0);
});
