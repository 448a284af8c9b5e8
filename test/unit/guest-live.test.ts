// The live side: prompts on the unterminated last line, stages stamped with the time
// given to push(), hang and stall alerts from tick(). Times are plain numbers here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestParser, type GuestEvent } from '../../src/guest/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');
const b = (s: string) => Buffer.from(s);
const kinds = (ev: GuestEvent[]) => ev.map((e) => e.type);

test('stages carry the time of the bytes that started them', () => {
	const p = new GuestParser();
	p.push(b('>> OpenBSD/arm64 BOOTAA64 1.18\n'), 1000);
	p.push(b('booting sd0a:/bsd: 2861736+1091248\n'), 3000);
	p.push(b('OpenBSD 7.4 (GENERIC.MP) #1: Sun Oct  8 13:35:40 MDT 2023\n'), 4000);
	p.push(b('mainbus0 at root: linux,dummy-virt\ncpu0 at mainbus0 mpidr 0: ARM Cortex-A53 r0p4\n'), 4500);
	const s = p.summary();
	assert.deepEqual(
		s.boots[0].stages.map((x) => [x.name, x.atMs]),
		[
			['bootloader', 1000],
			['kernel', 3000],
			['banner', 4000],
			['autoconf', 4500],
		],
	);
	assert.equal(s.boots[0].kernel!.arch, 'arm64', 'from the loader line: no compile path line yet');
	assert.equal(s.boots[0].kernel!.ncpu, 1);
	const st = p.state();
	assert.equal(st.stage, 'autoconf');
	assert.equal(st.stageSinceMs, 4500);
	assert.equal(st.boot, 1);
});

test('prompts on the last, unterminated line', () => {
	const p = new GuestParser();
	assert.equal(p.state().prompt, null);
	p.push(b('>> OpenBSD/arm64 BOOTAA64 1.18\nboot> '), 0);
	assert.equal(p.state().prompt, 'boot');
	p.push(b('\nbooting sd0a:/bsd\n'), 1);
	assert.equal(p.state().prompt, null);
	p.push(b('OpenBSD/arm64 (vm1) (tty00)\n\nlogin: '), 2);
	assert.equal(p.state().prompt, 'login');
	p.push(b('root\nPassword:'), 3);
	assert.equal(p.state().prompt, 'login');
	p.push(b('\nvm1# '), 4);
	assert.equal(p.state().prompt, 'shell');
	p.push(b('ls\n'), 5);
	assert.equal(p.state().prompt, null);
	p.push(b('(I)nstall, (U)pgrade, (A)utoinstall or (S)hell? '), 6);
	assert.equal(p.state().prompt, 'installer');
});

test('ddb prompts, with and without a CPU number', () => {
	for (const prompt of ['ddb> ', 'ddb{1}> ', 'ddb{12}>']) {
		const p = new GuestParser();
		p.push(b('panic: boom\nStopped at      db_enter+0x18:  addq    $0x8,%rsp\n' + prompt), 0);
		assert.equal(p.state().prompt, 'ddb', prompt);
		assert.equal(p.state().crashTitle, 'panic: boom');
		assert.deepEqual(p.state().alerts, ['panic: boom']);
	}
});

test('the busybox shell prompt of the Linux test guest', () => {
	for (const prompt of ['/ # ', '~ # ', '# ', '$ ', 'root@debian:~# ', '[root@host ~]# ']) {
		const p = new GuestParser();
		const ev = p.push(b('Welcome to Buildroot\r\n' + prompt), 0);
		assert.equal(p.state().prompt, 'shell', prompt);
		assert.ok(ev.some((e) => e.type === 'prompt' && e.prompt === 'shell'));
	}
	const p = new GuestParser();
	p.push(b('   size # of blocks\n'), 0);
	assert.equal(p.state().prompt, null);
});

test('a prompt left unanswered becomes a stage on tick', () => {
	const p = new GuestParser();
	const f = readFileSync(join(DIR, 'arm64-qemu-virt-7.4-installer-boot.txt'));
	// The recorded log ends with the installer question and a newline; a live console has no newline yet.
	p.push(f.subarray(0, f.length - 1), 10_000);
	assert.equal(p.state().prompt, 'installer');
	assert.deepEqual(kinds(p.tick(10_100)), [], 'too soon: more of the line may come');
	const ev = p.tick(11_000);
	assert.equal(p.state().stage, 'installer');
	assert.deepEqual(kinds(ev), [], 'already in the installer stage since line 56');
	const q = new GuestParser();
	q.push(b('vm1 login: '), 0);
	const ev2 = q.tick(1000);
	assert.deepEqual(
		ev2.flatMap((e) => (e.type === 'stage' ? [`${e.stage.name}:${e.stage.line}:${e.stage.atMs}`] : [])),
		['login:1:1000'],
	);
	assert.deepEqual(kinds(q.tick(2000)), [], 'once per line');
});

test('silence is a hang, except at a prompt; output clears it', () => {
	const p = new GuestParser({ hangMs: 60_000 });
	p.push(b('OpenBSD 7.4 (GENERIC.MP) #1: x\nmainbus0 at root\n'), 0);
	assert.deepEqual(kinds(p.tick(59_999)), []);
	const ev = p.tick(60_000);
	assert.equal(ev.length, 1);
	assert.equal(ev[0].type, 'hang');
	assert.equal(ev[0].type === 'hang' && ev[0].stage, 'autoconf');
	assert.deepEqual(p.state().alerts, ['no output for 60s in autoconf']);
	assert.deepEqual(kinds(p.tick(90_000)), [], 'flagged once');
	assert.deepEqual(kinds(p.push(b('pci0 at mainbus0\n'), 91_000)), ['resumed', 'device']);
	assert.deepEqual(p.state().alerts, []);

	const q = new GuestParser({ hangMs: 1000 });
	q.push(b('login: '), 0);
	assert.deepEqual(
		kinds(q.tick(5000)).filter((k) => k === 'hang'),
		[],
		'waiting at a prompt is not a hang',
	);
});

test('a guest that never prints anything is a hang too', () => {
	const p = new GuestParser({ hangMs: 1000 });
	assert.deepEqual(kinds(p.tick(0)), []);
	assert.deepEqual(kinds(p.tick(1000)), ['hang']);
});

test('a stage that does not advance while output flows is a stall', () => {
	const p = new GuestParser({ hangMs: 1000, stallMs: 10_000 });
	p.push(b('OpenBSD 7.9 (GENERIC.MP) #1: x\nmainbus0 at root\nviogpu0 at mainbus0: 1280x800, 32bpp\n'), 0);
	let t = 0;
	let stall: GuestEvent | undefined;
	while (t < 12_000 && !stall) {
		t += 500;
		p.push(b('viogpu0: failed TRANSFER_TO_HOST: 5\n'), t);
		stall = p.tick(t).find((e) => e.type === 'stall');
	}
	assert.ok(stall && stall.type === 'stall');
	assert.equal(stall.stage, 'autoconf');
	assert.equal(t, 10_000);
	assert.ok(p.state().alerts.includes('stuck in autoconf for 10s'));
	p.push(b('root on sd0a swap on sd0b dump on sd0b\n'), 10_500);
	assert.deepEqual(p.state().alerts, []);
});

test('crash events as the report grows: the title improves when the trace arrives', () => {
	const p = new GuestParser();
	const f = readFileSync(join(DIR, 'amd64-panic-fatal_page_fault-dovutimens.txt'));
	const titles: string[] = [];
	for (const line of f.toString('latin1').split(/(?<=\n)/)) {
		for (const e of p.push(Buffer.from(line, 'latin1'), 0)) if (e.type === 'crash') titles.push(`${e.index}:${e.crash.title}:${e.crash.corrupted}`);
	}
	// Line 2 opens it with nothing to name it by; line 11 (dovutimens) is the first meaningful frame.
	assert.deepEqual(titles, ['0:uvm_fault:true', '0:uvm_fault: dovutimens:false']);
});

test('a second banner starts a new boot and clears the crash alert', () => {
	const p = new GuestParser();
	p.push(b('OpenBSD 7.4 (GENERIC) #1: x\nroot on sd0a\npanic: boom\nrebooting...\n'), 0);
	assert.equal(p.state().crashTitle, 'panic: boom');
	const ev = p.push(b('OpenBSD 7.4 (GENERIC) #1: x\n'), 1);
	assert.deepEqual(kinds(ev), ['boot', 'stage', 'kernel']);
	assert.equal(p.state().boot, 2);
	assert.equal(p.state().crashTitle, undefined);
	assert.deepEqual(p.state().alerts, []);
});

test('devices() is the newest boot\'s device list, the same as summary() gives', () => {
	const p = new GuestParser();
	const boot = (v: string, mtu: number) =>
		`OpenBSD ${v} (GENERIC.MP) #1: Mon Jan 19 10:00:00 MST 2026\r\n    deraadt@arm64.openbsd.org:/usr/src/sys/arch/arm64/compile/GENERIC.MP\r\nvio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu ${mtu}\r\n`;
	p.push(Buffer.from(boot('7.8', 1500) + boot('7.9', 9000)), 0);
	const devices = p.devices();
	assert.deepEqual(devices, p.summary().boots.at(-1)?.devices);
	assert.equal(devices.find((d) => d.name === 'vio0')?.mtu, 9000);
});
