// Every real transcript in test/fixtures/openbsd/, with expectations written by reading
// the logs (line numbers are the file's own, `# source:` header included as line 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scanBytes, extractDmesg, type GuestSummary } from '../../src/guest/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');
const read = (f: string) => readFileSync(join(DIR, f));

function stages(s: GuestSummary, boot = 1): string {
	const b = s.boots.find((x) => x.boot === boot);
	assert.ok(b, `boot ${boot} exists`);
	return b.stages.map((x) => `${x.name}:${x.line}`).join(' ');
}

/** Lines first..last of the file (1-based, inclusive), each with its LF. */
function lines(f: string, first: number, last: number): Buffer {
	const all = read(f).toString('latin1').split('\n');
	return Buffer.from(all.slice(first - 1, last).join('\n') + '\n', 'latin1');
}

interface Expect {
	kernels?: { version: string; arch: string | null; config: string; ncpu: number; realMem?: number }[];
	stages: string[];
	dmesg?: [number, number][];
	devices: number[];
	crashes: { title: string; type: string; corrupted: boolean; line: number }[];
}

const EXPECT: Record<string, Expect> = {
	'arm64-qemu-virt-7.4-installer-boot.txt': {
		// The blog post elides the cpu lines, so no cpuN attached.
		kernels: [{ version: '7.4', arch: 'arm64', config: 'RAMDISK', ncpu: 0, realMem: 2138013696 }],
		stages: ['firmware:2 bootloader:4 kernel:8 banner:9 autoconf:18 root:52 userland:54 installer:56'],
		dmesg: [[9, 53]],
		devices: [29],
		crashes: [],
	},
	'arm64-hw-rpi3-6.7-beta-dmesg.txt': {
		kernels: [{ version: '6.7-beta', arch: 'arm64', config: 'GENERIC.MP', ncpu: 4, realMem: 958910464 }],
		stages: ['banner:2 autoconf:6 root:80'],
		// `bwfm0: address` comes after root but is still the kernel's; the file has nothing else.
		dmesg: [[2, 82]],
		devices: [59],
		crashes: [],
	},
	'amd64-kvm-qemu5.1-modern-virtio-6.8-dmesg.txt': {
		kernels: [{ version: '6.8', arch: 'amd64', config: 'GENERIC', ncpu: 1, realMem: 419282944 }],
		stages: ['banner:2 autoconf:7 root:82'],
		dmesg: [[2, 82]],
		devices: [56],
		crashes: [],
	},
	'amd64-vmd-6.8-current-dmesg.txt': {
		kernels: [{ version: '6.8-current', arch: 'amd64', config: 'GENERIC', ncpu: 1, realMem: 8573149184 }],
		stages: ['banner:2 autoconf:7 root:47'],
		// Line 48 is a trailing blank line of the web page, not a kernel line.
		dmesg: [[2, 47]],
		devices: [27],
		crashes: [],
	},
	'amd64-vmm-6.5-beta-autoinstall-serial.txt': {
		kernels: [{ version: '6.5-beta', arch: 'amd64', config: 'RAMDISK_CD', ncpu: 1, realMem: 520093696 }],
		stages: ['banner:3 autoconf:11 root:47 userland:48 installer:50 shutdown:194 rebooting:196'],
		dmesg: [[3, 47]],
		devices: [25],
		crashes: [],
	},
	'amd64-hw-6.5-serial-install-and-reboot-panic-loop.txt': {
		kernels: [{ version: '6.5', arch: 'amd64', config: 'RAMDISK_CD', ncpu: 1, realMem: 17125425152 }],
		stages: [
			'bootloader:73 kernel:82 banner:84 autoconf:92 root:148 userland:149 installer:151 shell:153 installer:167 shell:195 shutdown:196 panic:197',
		],
		dmesg: [[84, 148]],
		devices: [45],
		// Nested panics and a double fault while panicking are one crash: the first message names it.
		crashes: [{ title: 'panic: attempt to execute user address', type: 'panic', corrupted: false, line: 197 }],
	},
	'amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt': {
		kernels: [
			{ version: '6.0-stable', arch: 'amd64', config: 'GENERIC', ncpu: 1 },
			{ version: '6.0-stable', arch: 'amd64', config: 'GENERIC', ncpu: 1 },
			{ version: '6.1', arch: 'amd64', config: 'RAMDISK_CD', ncpu: 1 },
			{ version: '6.1', arch: 'amd64', config: 'GENERIC.MP', ncpu: 2 },
			{ version: '6.1', arch: 'amd64', config: 'GENERIC.MP', ncpu: 2 },
			{ version: '6.1', arch: 'amd64', config: 'GENERIC.MP', ncpu: 2 },
		],
		stages: [
			'banner:2 autoconf:6 root:143 panic:146 shutdown:163 rebooting:171',
			'banner:172 autoconf:176 root:313 shutdown:320 rebooting:322',
			'banner:323 autoconf:327 root:446 shutdown:447 rebooting:448',
			'banner:449 autoconf:453 root:596 shutdown:600 rebooting:602',
			'banner:603 autoconf:607 root:750 shutdown:754 rebooting:756',
			'banner:757 autoconf:761 root:904',
		],
		// A dmesg(8) dump holds no userland lines, so each boot's dmesg runs to the crash or shutdown.
		dmesg: [
			[2, 145],
			[172, 319],
			[323, 446],
			[449, 599],
			[603, 753],
			[757, 906],
		],
		devices: [120, 120, 105, 121, 121, 121],
		crashes: [{ title: 'panic: vmxnet3_getbuf: buffer has mbuf', type: 'panic', corrupted: false, line: 146 }],
	},
	'amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt': {
		stages: ['panic:2 ddb:4'],
		devices: [0],
		crashes: [{ title: 'uvm_fault: rtable_satoplen', type: 'uvm_fault', corrupted: false, line: 2 }],
	},
	'amd64-panic-fatal_page_fault-dovutimens.txt': {
		stages: ['login:2 panic:2 ddb:29'],
		devices: [0],
		// panic, kerntrap and alltraps_kern_meltdown are trap plumbing; dovutimens is where it faulted.
		crashes: [{ title: 'uvm_fault: dovutimens', type: 'uvm_fault', corrupted: false, line: 2 }],
	},
	'amd64-panic-kernel-diagnostic-assertion.txt': {
		stages: ['panic:2 ddb:28'],
		devices: [0],
		crashes: [{ title: 'assert "pg->wire_count == 1" failed in vfs_biomem.c', type: 'assert', corrupted: false, line: 2 }],
	},
	'amd64-panic-timeout_add.txt': {
		stages: ['login:2 panic:2 ddb:20'],
		devices: [0],
		crashes: [{ title: 'panic: timeout_add: to_ticks < 0', type: 'panic', corrupted: false, line: 2 }],
	},
	'amd64-witness-lock-order-reversal.txt': {
		// A lock order reversal is a report, not a panic: the stage only changes when ddb is entered.
		stages: ['ddb:37'],
		devices: [0],
		crashes: [{ title: 'witness: reversal: vmmaplk inode', type: 'witness', corrupted: false, line: 2 }],
	},
	'arm64-apple-vz-pre2026-attach-failures-issue-excerpt.txt': {
		// A markdown list, not console output: nothing starts a line the way the kernel does.
		stages: [],
		devices: [],
		crashes: [],
	},
};

test('every fixture has expectations', () => {
	assert.deepEqual(readdirSync(DIR).sort(), Object.keys(EXPECT).sort());
});

for (const [file, want] of Object.entries(EXPECT)) {
	test(`scan ${file}`, () => {
		const s = scanBytes(read(file));
		assert.equal(s.boots.length, want.stages.length, 'boots');
		want.stages.forEach((st, i) => assert.equal(stages(s, i + 1), st, `stages of boot ${i + 1}`));
		assert.deepEqual(
			s.boots.map((b) => b.devices.length),
			want.devices,
			'devices per boot',
		);
		if (want.kernels) {
			assert.deepEqual(
				s.boots.map((b) => b.kernel && { version: b.kernel.version, arch: b.kernel.arch, config: b.kernel.config, ncpu: b.kernel.ncpu }),
				want.kernels.map(({ realMem: _, ...k }) => k),
			);
			want.kernels.forEach((k, i) => {
				if (k.realMem !== undefined) assert.equal(s.boots[i].kernel?.realMem, k.realMem);
			});
		} else {
			assert.ok(s.boots.every((b) => b.kernel === null));
		}
		assert.deepEqual(
			s.crashes.map((c) => ({ title: c.title, type: c.type, corrupted: c.corrupted, line: c.line })),
			want.crashes,
		);
	});
	if (want.dmesg) {
		test(`dmesg ${file}`, () => {
			const bytes = read(file);
			want.dmesg!.forEach(([first, last], i) => {
				const got = extractDmesg(bytes, i + 1);
				assert.equal(got.toString('latin1'), lines(file, first, last).toString('latin1'), `boot ${i + 1}`);
			});
			assert.deepEqual(extractDmesg(bytes, 'last'), lines(file, ...want.dmesg!.at(-1)!));
			const s = scanBytes(bytes);
			assert.equal(s.boots.at(-1)!.dmesg, lines(file, ...want.dmesg!.at(-1)!).toString('utf8'));
		});
	}
}

test('kernel identity details of the arm64 installer boot', () => {
	const k = scanBytes(read('arm64-qemu-virt-7.4-installer-boot.txt')).boots[0].kernel!;
	assert.equal(k.release, '7.4');
	assert.equal(k.build, '#2131: Sun Oct  8 13:35:40 MDT 2023');
	assert.equal(k.builder, 'deraadt@arm64.openbsd.org:/usr/src/sys/arch/arm64/compile/RAMDISK');
	assert.equal(k.availMem, 2034593792);
	assert.equal(k.line, 13);
});

test('crash evidence: frames, Stopped at, message recovered from show panic', () => {
	const s = scanBytes(read('amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt'));
	const c = s.crashes[0];
	assert.equal(c.stoppedAt, 'rtable_satoplen+0x150');
	assert.equal(c.message, 'kernel page fault');
	assert.equal(c.ddb, true);
	const k = scanBytes(read('amd64-panic-kernel-diagnostic-assertion.txt')).crashes[0];
	// Lines 6-23: the ddb entry trace, wrapped at 80 columns in the log.
	assert.deepEqual(k.frames, [
		'db_enter',
		'panic',
		'__assert',
		'buf_free_pages',
		'buf_dealloc_mem',
		'buf_put',
		'brelse',
		'vinvalbuf',
		'ffs_truncate',
		'ufs_rmdir',
		'VOP_RMDIR',
		'dounlinkat',
		'syscall',
		'Xsyscall',
	]);
});

test('the VZ excerpt, unwrapped from its markdown, shows the failed negotiation and unconfigured devices', () => {
	const md = read('arm64-apple-vz-pre2026-attach-failures-issue-excerpt.txt').toString('utf8');
	const consoleText = md
		.split('\n')
		.slice(1)
		.map((l) => l.replace(/^(?:- |  )`/, '').replace(/`$/, ''))
		.join('\n');
	const s = scanBytes(Buffer.from(consoleText));
	const devs = s.boots[0].devices;
	// Lines 2,3,4,5,7,9 attach something ("xhcid" has no unit: the submitter's typo).
	assert.equal(devs.length, 6);
	assert.deepEqual(
		devs.filter((d) => !d.configured).map((d) => d.name),
		['"ARMH0061"', 'vendor "Apple", unknown product 0x1a05 (class bridge subclass host, rev 0x00)'],
	);
	const vio = devs.find((d) => d.name === 'vio0')!;
	assert.equal(vio.parent, 'virtio0');
	assert.equal(vio.negotiationFailed, true);
	assert.deepEqual(vio.messages, ['virtio0: Feature negotiation failed']);
	const v5 = devs.find((d) => d.name === 'virtio5')!;
	assert.equal(v5.locators, 'dev 9 function 0 "Qumranet Virtio 1.x Console" rev 0x01');
	assert.deepEqual(v5.messages, ['no matching child driver; not configured']);
});
