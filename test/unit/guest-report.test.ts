// sendbug(1) reports from the recorded logs, and password redaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendbugReport, redactPasswords } from '../../src/guest/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');
const read = (f: string) => readFileSync(join(DIR, f));

test('a report in sendbug field order, from the VMware panic log', () => {
	const r = sendbugReport({
		log: read('amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt'),
		vm: { name: 'vm1', backend: 'qemu', spec: { memory: '2G' } },
		host: { qemu: 'QEMU emulator version 9.2.0' },
	});
	const fields = ['SENDBUG: -*- sendbug -*-', 'To: bugs@openbsd.org', '>Synopsis:', '>Category:', '>Environment:', '>Description:', '>How-To-Repeat:', '>Fix:', '\ndmesg:\n', '\nconsole (lines '];
	let at = -1;
	for (const f of fields) {
		const i = r.indexOf(f);
		assert.ok(i > at, `${f} in order`);
		at = i;
	}
	assert.ok(r.includes('>Synopsis:\tpanic: vmxnet3_getbuf: buffer has mbuf\n'));
	assert.ok(r.includes('\tDetails     : OpenBSD 6.0-stable (GENERIC) #0: Tue Mar 21 21:25:29 CDT 2017\n'));
	assert.ok(r.includes('\tArchitecture: OpenBSD.amd64\n'));
	assert.ok(r.includes('"memory": "2G"'));
	assert.ok(r.includes('\tqemu: QEMU emulator version 9.2.0\n'));
	// The crash is in boot 1: its dmesg (lines 2-145), not the last boot's.
	const dmesg = read('amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt').toString('latin1').split('\n').slice(1, 145).join('\n');
	assert.ok(r.includes('\ndmesg:\n' + dmesg + '\n'));
	// Console context: 20 lines before the crash at 146 through its last line (168).
	assert.ok(r.includes('\nconsole (lines 126-168):\n'));
	// ...which ends with the crash dump countdown of line 168.
	assert.ok(r.endsWith(' 3 2 1 succeeded\n'));
});

test('without a crash the synopsis is left for the user and the category is system', () => {
	const r = sendbugReport({ log: read('amd64-kvm-qemu5.1-modern-virtio-6.8-dmesg.txt') });
	assert.ok(r.includes('>Synopsis:\tOpenBSD 6.8 (GENERIC): <describe the problem>\n'));
	assert.ok(r.includes('>Category:\tsystem\n'));
	assert.ok(!r.includes('\nconsole (lines'));
});

test('device findings from the 2026 vio and viogpu lines', () => {
	const log = Buffer.from(
		'OpenBSD 7.9 (GENERIC.MP) #1: x\nmainbus0 at root\nvio0 at virtio0vio0: mtu 65535 not supported\n: 1 queue, address 52:54:00:12:34:56\nviogpu0 at virtio1: 1280x800, 32bpp\n' +
			'viogpu0: failed TRANSFER_TO_HOST: 5\n'.repeat(3),
	);
	const r = sendbugReport({ log, devices: ['QMP: virtio-net host_mtu 65535'] });
	assert.ok(r.includes('\ndevices:\nvio0 at virtio0 (console line 3): device MTU 65535 not supported (renegotiated without it)\n'));
	assert.ok(r.includes('viogpu0 at virtio1 (console line 5): 1280x800, 32bpp; failed TRANSFER_TO_HOST: 5 (3 times)\n'));
	assert.ok(r.includes('QMP: virtio-net host_mtu 65535\n'));
});

test('passwords typed at a prompt never appear', () => {
	const log = Buffer.from(
		'OpenBSD 7.4 (GENERIC) #1: x\nroot on sd0a\nlogin: root\nPassword:hunter2\nvm# ls\nPassword for root account? (will not echo) s3cret\nPassword for root account? (again)\n' +
			'Password:\ntopsecret\nLogin incorrect\npanic: boom\n',
	);
	const r = sendbugReport({ log });
	assert.ok(!r.includes('hunter2'));
	assert.ok(!r.includes('s3cret'));
	assert.ok(!r.includes('topsecret'));
	assert.ok(r.includes('Password:[password removed]') || r.includes('Password: [password removed]'));
	assert.ok(r.includes('Password for root account? (again)\n'), 'nothing typed: left alone');
	assert.ok(r.includes('Login incorrect\n'));
});

test('redaction leaves the installer transcript readable', () => {
	const t = 'Password for root account? <provided>\nPassword for user ec2-user? <provided>\nStart sshd(8) by default? [yes] yes\n';
	assert.equal(redactPasswords(t), t);
	assert.equal(redactPasswords("alice's password: letmein\n"), "alice's password: [password removed]\n");
});

test("crash text a shell printed is not the report's crash", () => {
	const log = Buffer.from('OpenBSD 7.9 (GENERIC.MP) #1: x\nroot on sd0a\nlogin: root\nvm1# cat /root/old-panic.txt\npanic: vop_generic_badop\nvm1# ');
	const r = sendbugReport({ log });
	assert.ok(r.includes('>Synopsis:\tOpenBSD 7.9 (GENERIC.MP): <describe the problem>\n'));
	assert.ok(r.includes('>Category:\tsystem\n'));
});
