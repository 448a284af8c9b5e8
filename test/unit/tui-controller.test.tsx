// The controller with a scripted feed: where each key goes (guest or command), what the
// modes allow, and that the view follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../src/tui/controller.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmSummary } from '../../src/tui/feed.ts';
import type { View } from '../../src/tui/Root.tsx';

const PREFIX = 0x1d;

class FakeSession extends EventEmitter implements ConsoleSession {
	written: Buffer[] = [];
	breaks = 0;
	takeovers = 0;
	detached = 0;
	writer: boolean;
	constructor(readonly mode: AttachMode | 'ro') {
		super();
		this.writer = mode !== 'spy' && mode !== 'ro';
	}
	write(bytes: Buffer) {
		this.written.push(Buffer.from(bytes));
	}
	sendBreak() {
		this.breaks++;
	}
	takeover() {
		this.takeovers++;
	}
	detach() {
		this.detached++;
	}
	typed(): string {
		return Buffer.concat(this.written).toString('latin1');
	}
}

class FakeFeed extends EventEmitter implements ConsoleFeed {
	sessions: FakeSession[] = [];
	/** Whether each attach asked for the glass console. */
	glass: boolean[] = [];
	constructor(private vms: VmSummary[]) {
		super();
	}
	list() {
		return this.vms;
	}
	attach(_name: string, mode: AttachMode, opts?: { glass?: boolean }) {
		const s = new FakeSession(mode);
		this.sessions.push(s);
		this.glass.push(opts?.glass === true);
		return s;
	}
	async report(name: string) {
		return `SENDBUG: report of ${name}\n` + Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
	}
	close() {}
}

const vm = (name: string): VmSummary => ({ name, backend: 'qemu', state: 'running', alerts: [], viewers: 1, log: `/s/${name}/boot.001.log`, cols: 80, rows: 24 });

function setup(opts: { attach?: { name: string; mode: AttachMode }; width?: number; log?: string } = {}) {
	const feed = new FakeFeed([{ ...vm('alpha'), glass: true, ...(opts.log ? { log: opts.log } : {}) }, vm('beta')]);
	const views: View[] = [];
	let quits = 0;
	const c = new Controller({
		feed,
		prefix: PREFIX,
		depth: 'mono',
		size: () => ({ width: opts.width ?? 120, height: 30 }),
		render: (v) => views.push(v),
		quit: () => quits++,
		attach: opts.attach,
	});
	return { c, feed, views, quits: () => quits };
}

async function snapshot(s: FakeSession, text: string): Promise<void> {
	s.emit('snapshot', Buffer.from(text), { cols: 80, rows: 24 });
	await new Promise((r) => setTimeout(r, 10)); // let xterm parse (a hang guard, not a threshold)
}

const key = (c: Controller, s: string) => c.input(Buffer.from(s, 'latin1'));

test('rw: every byte goes to the guest raw, including Ctrl-C, arrows and a paste', () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	const s = feed.sessions[0];
	key(c, 'ls -l\r');
	key(c, '\x03\x1b[A\x1bOP');
	key(c, 'pasted\ttext\n');
	assert.equal(s.typed(), 'ls -l\r\x03\x1b[A\x1bOPpasted\ttext\n');
	c.stop();
});

test('rw: the prefix twice sends the prefix byte; the prefix may end one read and its command start the next', () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	const s = feed.sessions[0];
	key(c, 'a\x1d\x1db');
	assert.equal(s.typed(), 'a\x1db');
	key(c, 'x\x1d');
	assert.equal(c.view().console?.layout.sideWidth, 39);
	key(c, 'p'); // toggles the panels, is not typed
	assert.equal(s.typed(), 'a\x1dbx');
	assert.equal(c.view().console?.layout.sideWidth, 0);
	c.stop();
});

test('rw: BREAK only after confirmation', async () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	const s = feed.sessions[0];
	key(c, '\x1db');
	assert.match(c.view().prompt ?? '', /Send BREAK to alpha\? .*ddb/);
	key(c, 'n');
	assert.equal(s.breaks, 0);
	assert.equal(c.view().prompt, undefined);
	key(c, '\x1dby');
	await Promise.resolve();
	assert.equal(s.breaks, 1);
	assert.equal(s.typed(), '', 'neither the prefix, b nor y reached the guest');
	c.stop();
});

test('rw: prefix d detaches back to the list; prefix t asks to take over; prefix q quits', async () => {
	const { c, feed, quits } = setup({ attach: { name: 'beta', mode: 'rw' } });
	const s = feed.sessions[0];
	key(c, '\x1dt');
	await Promise.resolve();
	assert.equal(s.takeovers, 1);
	key(c, '\x1dd');
	assert.equal(s.detached, 1);
	const v = c.view();
	assert.equal(v.console, undefined);
	assert.equal(v.list?.selected, 1, 'the list keeps the VM we came from selected');
	key(c, '\x1dq');
	assert.equal(quits(), 1);
	c.stop();
});

test('spy: keys never reach the guest and are not commands either; the prefix still works', () => {
	const { c, feed, quits } = setup({ attach: { name: 'alpha', mode: 'spy' } });
	const s = feed.sessions[0];
	key(c, 'echo pwned; reboot\r\x03');
	assert.equal(s.written.length, 0);
	assert.equal(c.attachedTo, 'alpha', 'the d in the text did not detach');
	assert.equal(quits(), 0, 'neither q nor Ctrl-C quit');
	assert.match(c.view().message ?? '', /spy: your keys do not reach alpha/);
	key(c, '\x1dq');
	assert.equal(quits(), 1);
	c.stop();
});

test('a recording: keys are commands without the prefix, q quits', () => {
	const { c, feed, quits } = setup({ attach: { name: 'alpha', mode: 'ro' as AttachMode } });
	key(c, 'p');
	assert.equal(c.view().console?.layout.sideWidth, 0);
	key(c, 'q');
	assert.equal(quits(), 1);
	assert.equal(feed.sessions[0].written.length, 0);
	c.stop();
});

test('list: arrows select, Enter attaches rw, v attaches as spy, q quits', () => {
	const { c, feed, quits } = setup();
	assert.deepEqual(c.view().list?.vms.map((v) => v.name), ['alpha', 'beta']);
	key(c, '\x1b[B\r');
	assert.equal(c.attachedTo, 'beta');
	assert.equal(feed.sessions[0].mode, 'rw');
	key(c, '\x1ds\x1b[Av');
	assert.equal(c.attachedTo, 'alpha');
	assert.equal(feed.sessions[1].mode, 'spy');
	key(c, '\x1ds');
	assert.equal(c.attachedTo, undefined);
	key(c, 'q');
	assert.equal(quits(), 1);
	c.stop();
});

test('scrollback: search in one read finds a line that scrolled off, n and N move between hits', async () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	const s = feed.sessions[0];
	const lines = Array.from({ length: 60 }, (_, i) => (i === 5 || i === 40 ? `panic: hit ${i}` : `line ${i}`));
	await snapshot(s, lines.join('\r\n'));
	key(c, '\x1d[/panic\r');
	let v = c.view().console!;
	assert.match(v.scroll ?? '', /scrollback: \d+ lines below/);
	assert.ok(v.lines.some((l) => l === '\x1b[0;7mpanic\x1b[0m: hit 40'), 'the newer hit is found first, marked');
	key(c, 'n');
	v = c.view().console!;
	assert.ok(v.lines.some((l) => l === '\x1b[0;7mpanic\x1b[0m: hit 5'));
	key(c, 'N');
	assert.ok(c.view().console!.lines.some((l) => l.endsWith('hit 40')));
	key(c, 'q');
	assert.equal(c.view().console!.scroll, undefined);
	assert.equal(s.typed(), '', 'nothing of the scrollback session was typed');
	c.stop();
});

test('scrollback on a live VM reads the whole boot from its log, beyond what the snapshot carried', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-ctl-'));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const log = join(dir, 'boot.001.log');
	const lines = Array.from({ length: 3000 }, (_, i) => (i === 10 ? 'OpenBSD 7.4 (GENERIC.MP) #1' : `dmesg line ${i}`));
	writeFileSync(log, lines.join('\r\n'));
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' }, log });
	// The daemon's snapshot carries only the screen and a little scrollback.
	await snapshot(feed.sessions[0], lines.slice(-100).join('\r\n'));
	key(c, '\x1d[');
	assert.match(c.view().console?.scroll ?? '', /reading the log/);
	await new Promise<void>((resolve) => {
		const poll = () => (/reading the log/.test(c.view().console?.scroll ?? '') ? setTimeout(poll, 20) : resolve());
		poll();
	});
	key(c, '/openbsd 7.4\r');
	const v = c.view().console!;
	assert.ok(v.lines.includes('\x1b[0;7mOpenBSD 7.4\x1b[0m (GENERIC.MP) #1'), 'found line 10 of 3000');
	assert.match(v.scroll ?? '', /scrollback: \d+ lines below$/);
	c.stop();
});

test('prefix r shows the sendbug report in place of the pane; keys scroll it, q returns, nothing is typed', async () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	key(c, '\x1dr');
	await new Promise((r) => setImmediate(r));
	let v = c.view().console!;
	assert.equal(v.report?.offset, 0);
	assert.match(v.report?.text ?? '', /^SENDBUG: report of alpha\n/);
	key(c, 'jj\x1b[6~');
	v = c.view().console!;
	assert.equal(v.report?.offset, 2 + 27);
	key(c, 'q');
	assert.equal(c.view().console!.report, undefined);
	key(c, 'x');
	assert.equal(feed.sessions[0].typed(), 'x', 'only the key after the report reached the guest');
	c.stop();
});

test('a narrow window shows the part of the guest screen around the cursor', async () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'rw' }, width: 40 });
	const s = feed.sessions[0];
	await snapshot(s, '\x1b[24;1H' + 'x'.repeat(50) + 'END');
	const v = c.view().console!;
	assert.deepEqual([v.layout.paneWidth, v.layout.paneHeight], [40, 24]);
	// The cursor is in column 53: columns 14..53 are shown, the cursor cell last.
	assert.equal(v.lines[23], 'x'.repeat(36) + 'END');
	c.stop();
});

test('many changes between frames make one frame', async () => {
	const { c, feed, views } = setup({ attach: { name: 'alpha', mode: 'rw' } });
	await new Promise((r) => setTimeout(r, 80));
	const before = views.length;
	for (let i = 0; i < 100; i++) feed.sessions[0].emit('event', { event: 'viewers' });
	await new Promise((r) => setTimeout(r, 120));
	assert.equal(views.length, before + 1);
	c.stop();
});

test('prefix g: the glass console of the same VM in the same mode, and back; a VM without a display says so', () => {
	const { c, feed } = setup({ attach: { name: 'alpha', mode: 'spy' } });
	key(c, '\x1dg');
	assert.equal(feed.sessions[0].detached, 1, 'the serial session is left');
	assert.deepEqual(feed.glass, [false, true]);
	assert.equal(feed.sessions[1].mode, 'spy');
	const v = c.view();
	assert.equal(v.console?.glass, true);
	assert.match(v.message ?? '', /alpha: the glass console/);
	key(c, '\x1dg');
	assert.deepEqual(feed.glass, [false, true, false]);
	assert.equal(c.view().console?.glass, false);
	// beta has no display: nothing is attached, the status line says why.
	key(c, '\x1ds');
	c.attach('beta', 'rw');
	key(c, '\x1dg');
	assert.deepEqual(feed.glass, [false, true, false, false]);
	assert.match(c.view().message ?? '', /beta has no glass console/);
	assert.equal(feed.sessions.at(-1)!.typed(), '', 'neither the prefix nor g reached the guest');
	c.stop();
});
