// The human and JSON shapes `obsdtui scan` prints, from the parser's summary of real logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { formatScan, scanFile, scanJson } from '../../src/cli/scan.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');

test('human summary of the 6.5 install log with its panic loop', () => {
	const f = join(DIR, 'amd64-hw-6.5-serial-install-and-reboot-panic-loop.txt');
	assert.equal(
		formatScan('x.log', scanFile(f)),
		[
			'x.log: 214 lines, 1 boot, 1 crash',
			'  boot 1 (line 73): OpenBSD 6.5 (RAMDISK_CD) amd64, 1 cpu, 16332MB',
			'    stages: bootloader@73 kernel@82 banner@84 autoconf@92 root@148 userland@149 installer@151 shell@153 installer@167 shell@195 shutdown@196 panic@197',
			'    dmesg: lines 84-148',
			'    devices: 45 (14 not configured)',
			'  crash at line 197 (boot 1, panic): panic: attempt to execute user address',
			'',
		].join('\n'),
	);
});

test('JSON: the documented keys, stage times left out, a file key', () => {
	const f = join(DIR, 'amd64-panic-timeout_add.txt');
	const j = JSON.parse(JSON.stringify(scanJson(f, scanFile(f)))) as Record<string, unknown>;
	assert.deepEqual(Object.keys(j), ['file', 'boots', 'crashes', 'lines', 'bytes']);
	assert.equal(j.file, f);
	const boots = j.boots as { stages: object[]; kernel: unknown; dmesg: unknown; devices: unknown[] }[];
	assert.deepEqual(boots[0].stages, [
		{ name: 'login', line: 2 },
		{ name: 'panic', line: 2 },
		{ name: 'ddb', line: 20 },
	]);
	assert.equal(boots[0].kernel, null);
	assert.equal(boots[0].dmesg, null);
	const crashes = j.crashes as { title: string; type: string; corrupted: boolean; line: number }[];
	assert.deepEqual(
		crashes.map(({ title, type, corrupted, line }) => ({ title, type, corrupted, line })),
		[{ title: 'panic: timeout_add: to_ticks < 0', type: 'panic', corrupted: false, line: 2 }],
	);
});

test('human summary: userland crash text is not counted as a crash, alternate titles are shown', () => {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-scan-'));
	try {
		const f = join(dir, 'session.log');
		writeFileSync(
			f,
			'OpenBSD/arm64 (vm1) (tty00)\n\nlogin: root\nvm1# cat /root/old.txt\npanic: pool_do_put: mbufpl: double pool_put: 0xffff800012345678\nvm1# sysctl ddb.panic\n' +
				'panic: uvm_fault failed: ffffff800036c2f4 esr 96000004 far 8\nkdata_abort() at kdata_abort+0x148\nvio_rxeof() at vio_rxeof+0x2c\n',
		);
		assert.equal(
			formatScan('s.log', scanFile(f)),
			[
				's.log: 9 lines, 1 boot, 1 crash',
				'  boot 1 (line 1): no kernel banner',
				'    stages: login@1 shell@4 panic@7',
				'  crash text printed by a shell command at line 5 (boot 1; not a crash of this guest): pool: double put: mbufpl',
				'  crash at line 7 (boot 1, uvm_fault): panic: uvm_fault failed: ADDR esr ADDR far NUM',
				'    also: uvm_fault: vio_rxeof',
				'',
			].join('\n'),
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
