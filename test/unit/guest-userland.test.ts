// Crash text a shell prints (`cat` of a saved panic log) is not a kernel crash. The rule
// (docs/scan-json.md): a report that begins inside a shell command's output is the kernel's
// only if the output ends without the shell's next prompt (end of file, silence, a waiting
// ddb prompt) or the guest reboots; if the shell's prompt comes back, it was the command's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestParser, scanBytes, type GuestEvent } from '../../src/guest/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');
const FIXTURE = readFileSync(join(DIR, 'amd64-panic-timeout_add.txt'), 'latin1');
const LOGIN = 'OpenBSD 7.9 (GENERIC.MP) #1: Mon Jan 19 10:00:00 MST 2026\nroot on sd0a (1234.a) swap on sd0b dump on sd0b\n\nOpenBSD/arm64 (vm1) (tty00)\n\nlogin: root\nPassword:\nvm1# ';
const stageNames = (text: string) => scanBytes(Buffer.from(text, 'latin1')).boots.flatMap((b) => b.stages.map((s) => s.name));

test('scan: a saved panic printed by cat between two prompts is userland text, and its stages are not the kernel\'s', () => {
	const text = LOGIN + 'cat /root/panic.txt\n' + FIXTURE + 'vm1# ';
	const s = scanBytes(Buffer.from(text, 'latin1'));
	assert.equal(s.crashes.length, 1);
	const c = s.crashes[0];
	assert.equal(c.userland, true);
	assert.equal(c.title, 'panic: timeout_add: to_ticks < 0', 'still titled: it is shown as what it is');
	// No panic or ddb stage. The fixture's `login: panic: ...` line is shell output too, but it
	// came before the report began, and only a report's stages wait for the decision.
	assert.deepEqual(stageNames(text), ['banner', 'root', 'login', 'shell', 'login', 'shell']);
});

test('scan: the same text without the prompt after it, or alone, is a kernel crash', () => {
	const cut = scanBytes(Buffer.from(LOGIN + 'sysctl kern.somaxconn=1\n' + FIXTURE, 'latin1'));
	assert.equal(cut.crashes[0].userland, false);
	assert.ok(cut.boots[0].stages.some((st) => st.name === 'ddb'));
	const alone = scanBytes(Buffer.from(FIXTURE, 'latin1'));
	assert.equal(alone.crashes[0].userland, false);
});

test('scan: a command that prints a panic line, then the next command', () => {
	const s = scanBytes(Buffer.from(LOGIN + 'echo panic: boom\npanic: boom\nvm1# ls\nbin etc\nvm1# ', 'latin1'));
	assert.deepEqual(
		s.crashes.map((c) => [c.title, c.userland]),
		[['panic: boom', true]],
	);
});

test('scan: a panic while a command runs, and the guest reboots: the kernel\'s', () => {
	const text = LOGIN + 'reboot\nsyncing disks... done\npanic: vfs_shutdown: bad vnode\nStarting stack trace...\npanic() at panic+0x14\nvfs_shutdown() at vfs_shutdown+0x40\nEnd of stack trace.\nrebooting...\n' + LOGIN;
	const s = scanBytes(Buffer.from(text, 'latin1'));
	assert.equal(s.crashes.length, 1);
	assert.equal(s.crashes[0].userland, false);
	assert.equal(s.crashes[0].boot, 1);
	assert.deepEqual(
		s.boots[0].stages.map((st) => `${st.name}:${st.line}`),
		['banner:1', 'root:2', 'login:4', 'shell:8', 'shutdown:9', 'panic:10', 'rebooting:15'],
	);
	assert.equal(s.boots.length, 2);
});

test('live: cat of a saved panic never raises the alert; the prompt after it makes it userland', () => {
	const p = new GuestParser();
	p.push(Buffer.from(LOGIN), 0);
	p.tick(1000);
	p.push(Buffer.from('cat /root/panic.txt\r\n'), 2000);
	const events: GuestEvent[] = [];
	let t = 2000;
	for (const line of FIXTURE.split(/(?<=\n)/)) {
		events.push(...p.push(Buffer.from(line.replace(/\n$/, '\r\n'), 'latin1'), ++t));
		assert.equal(p.state().crashTitle, undefined, `no alert at ${JSON.stringify(line)}`);
	}
	assert.equal(events.filter((e) => e.type === 'crash').length, 0, 'nothing announced while undecided');
	events.push(...p.push(Buffer.from('vm1# '), t));
	// Not yet quiet: still undecided, still no alert.
	events.push(...p.tick(t + 100));
	assert.deepEqual(p.state().alerts, []);
	events.push(...p.tick(t + 300));
	const crash = events.filter((e) => e.type === 'crash');
	assert.equal(crash.length, 1);
	assert.equal(crash[0].type === 'crash' && crash[0].crash.userland, true);
	assert.deepEqual(p.state().alerts, []);
	assert.equal(p.state().stage, 'shell');
	assert.equal(p.summary().crashes[0].userland, true);
	// Much later, still nothing.
	p.tick(t + 60_000);
	assert.equal(p.state().crashTitle, undefined);
});

test('live: a kernel panic while a command runs is an alert once ddb waits, or once the output stops', () => {
	// ddb's prompt waits for input: a quarter second of quiet decides.
	const p = new GuestParser();
	p.push(Buffer.from(LOGIN), 0);
	p.tick(1000);
	p.push(Buffer.from('ifconfig vio0 mtu 9000\r\npanic: vio_iff: bad state\r\nStopped at      panic+0x160:    cmp     w21, #0x0\r\nddb{0}> '), 2000);
	assert.equal(p.state().crashTitle, undefined);
	assert.deepEqual(p.tick(2100).filter((e) => e.type === 'crash'), []);
	const ev = p.tick(2300);
	assert.ok(ev.some((e) => e.type === 'crash' && !e.crash.userland));
	assert.equal(p.state().crashTitle, 'panic: vio_iff: bad state');
	assert.equal(p.state().stage, 'ddb');

	// No ddb (ddb.panic=0): the kernel prints its trace and stops or reboots; silence decides.
	const q = new GuestParser();
	q.push(Buffer.from(LOGIN), 0);
	q.tick(1000);
	q.push(Buffer.from('ifconfig vio0 mtu 9000\r\npanic: vio_iff: bad state\r\nStarting stack trace...\r\npanic() at panic+0x160\r\nEnd of stack trace.\r\n'), 2000);
	q.tick(2500);
	assert.equal(q.state().crashTitle, undefined, 'half a second is not yet the end of the output');
	q.tick(3000);
	assert.equal(q.state().crashTitle, 'panic: vio_iff: bad state');
	assert.deepEqual(
		q.summary().boots[0].stages.map((st) => `${st.name}:${st.atMs}`),
		['banner:0', 'root:0', 'login:0', 'shell:1000', 'panic:2000'],
		'the held stage keeps the time of its line',
	);
});

test('live: outside a command (booting, rc, at the login prompt) a panic is an alert at once', () => {
	const p = new GuestParser();
	p.push(Buffer.from('OpenBSD 7.9 (GENERIC.MP) #1: x\nroot on sd0a\nstarting network\npanic: pf_state_key_attach: bad key\n'), 0);
	assert.equal(p.state().crashTitle, 'panic: pf_state_key_attach: bad key');
});

test('any chunking of a shell session gives the same summary as one chunk', () => {
	const text = Buffer.from(LOGIN + 'cat /root/panic.txt\n' + FIXTURE + 'vm1# echo panic: x\npanic: x\nvm1# reboot\npanic: real one\nrebooting...\n' + LOGIN, 'latin1');
	const whole = scanBytes(text);
	assert.deepEqual(
		whole.crashes.map((c) => [c.title, c.userland]),
		[
			['panic: timeout_add: to_ticks < 0', true],
			['panic: x', true],
			['panic: real one', false],
		],
	);
	for (const size of [1, 7, 64, 1000]) {
		for (const events of [true, false]) {
			const p = new GuestParser({ events });
			for (let i = 0; i < text.length; i += size) p.push(text.subarray(i, i + size), 0);
			p.end();
			assert.deepEqual(p.summary(), whole, `chunks of ${size}, events ${events}`);
		}
	}
});
