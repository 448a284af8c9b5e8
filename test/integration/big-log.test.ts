// Issue 12, defect 3: a log over 2 GiB (the cap is 4 GiB) broke `report`, `dmesg`, `ddb`
// and the TUI's report, which read the whole log into memory (Node refuses files over
// 2 GiB). The log here is sparse: real console text at its start and at its end, a hole
// of zeros between them, so nothing but a few kilobytes is ever written to disk.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, statfsSync, writeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';
import { reportOfLogFile } from '../../src/helper/logscan.ts';

const box = new Sandbox('otbig');
after(() => box.cleanup());

const FIX = join(import.meta.dirname, '..', 'fixtures', 'openbsd');
/** A fixture without its `# source:` line, as a serial console sends it (CR LF). */
function consoleText(name: string): { lines: string[]; bytes: Buffer } {
	const lines = readFileSync(join(FIX, name), 'latin1').split('\n').slice(1);
	if (lines.at(-1) === '') lines.pop();
	return { lines, bytes: Buffer.from(lines.map((l) => l + '\r\n').join(''), 'latin1') };
}

const GAP_TO = 2 * 1024 ** 3 + 8 * 1024 ** 2; // the end's text starts past 2 GiB

/** The sparse log; null (with the reason) when this filesystem cannot hold one. */
function makeSparseLog(path: string): string | null {
	// Guest boot 1: the Raspberry Pi dmesg, then the login prompt (userland: the dmesg ends).
	const start = Buffer.concat([consoleText('arm64-hw-rpi3-6.7-beta-dmesg.txt').bytes, Buffer.from('\r\nOpenBSD/arm64 (rpi.my.domain) (console)\r\n\r\nlogin: \r\n')]);
	// Guest boot 2, past 2 GiB: the vmd dmesg, then the dovutimens panic and its ddb session.
	const end = Buffer.concat([Buffer.from('\r\n'), consoleText('amd64-vmd-6.8-current-dmesg.txt').bytes, consoleText('amd64-panic-fatal_page_fault-dovutimens.txt').bytes]);
	const fd = openSync(path, 'w', 0o600);
	try {
		writeSync(fd, start, 0, start.length, 0);
		try {
			ftruncateSync(fd, GAP_TO);
		} catch (err) {
			return `this filesystem cannot hold a ${GAP_TO}-byte file: ${(err as Error).message}`;
		}
		writeSync(fd, end, 0, end.length, GAP_TO);
	} finally {
		closeSync(fd);
	}
	const st = statSync(path);
	if (st.blocks * 512 > 64 * 1024 * 1024) return `this filesystem does not keep files sparse (${st.blocks * 512} bytes allocated)`;
	return null;
}

test('report, report --bundle, dmesg and the TUI/ddb report read a log over 2 GiB, streaming', async (t) => {
	const fs = statfsSync(box.dir);
	if (fs.bavail * fs.bsize < 256 * 1024 * 1024) return t.skip(`only ${fs.bavail * fs.bsize} bytes free in ${box.dir}`);
	const vmdir = box.vmDir('big');
	mkdirSync(vmdir, { recursive: true, mode: 0o700 });
	writeFileSync(join(vmdir, 'spec.json'), JSON.stringify({ name: 'big', backend: 'exec', command: 'true' }));
	const log = join(vmdir, 'boot.001.log');
	const why = makeSparseLog(log);
	if (why) return t.skip(why);
	assert.ok(statSync(log).size > 2 ** 31, 'the log is over 2 GiB');

	// dmesg of the first boot: the Raspberry Pi fixture's lines after its source line, LF-ended.
	const rpi = consoleText('arm64-hw-rpi3-6.7-beta-dmesg.txt').lines;
	assert.equal(rpi[0], 'OpenBSD 6.7-beta (GENERIC.MP) #0: Wed Apr 22 18:04:38 EDT 2020');
	const d1 = await box.ok(['dmesg', log, '--boot', '1'], { timeoutMs: 300000 });
	assert.equal(d1, rpi.join('\n') + '\n');
	// dmesg of the last boot (past 2 GiB): the vmd fixture through "root on sd0a ...".
	const vmd = consoleText('amd64-vmd-6.8-current-dmesg.txt').lines;
	while (vmd.at(-1) === '') vmd.pop();
	assert.match(vmd.at(-1)!, /^root on sd0a /);
	assert.equal(await box.ok(['dmesg', 'big'], { timeoutMs: 300000 }), vmd.join('\n') + '\n');

	// The report of the VM, and its bundle with the whole (sparse) log in it.
	const out = join(box.dir, 'big-report.txt');
	await box.ok(['report', 'big', '-o', out, '--bundle'], { timeoutMs: 300000 });
	const report = readFileSync(out, 'utf8');
	assert.match(report, /^Subject: uvm_fault: dovutimens$/m);
	assert.match(report, /^OpenBSD 6\.8-current \(GENERIC\) #145: Fri Oct 30 11:27:46 MDT 2020$/m);
	// The quoted console lines come from the end of the log, past 2 GiB.
	assert.match(report, /^dovutimens\(ffff80002a221a20,fffff3006c8d1480,ffff80002a229ab0\) at dovutimens\+0x368 sys\/kern\/vfs_syscalls\.c:2691$/m);
	const list = spawnSync('tar', ['-tvzf', join(box.dir, 'big-report.tar.gz')], { encoding: 'utf8' });
	assert.equal(list.status, 0, list.stderr);
	const logEntry = list.stdout.split('\n').find((l) => l.endsWith(' big-report/boot.001.log'));
	assert.ok(logEntry?.includes(` ${statSync(log).size} `), `the whole log is in the bundle: ${list.stdout}`);
	const tail = spawnSync('sh', ['-c', `tar -xzOf '${join(box.dir, 'big-report.tar.gz')}' big-report/boot.001.log | tail -c 200`]);
	const panic = consoleText('amd64-panic-fatal_page_fault-dovutimens.txt').bytes;
	assert.deepEqual(tail.stdout, panic.subarray(panic.length - 200), 'the log in the bundle ends as the log does');

	// The TUI's report and `ddb --collect`'s report use the same streaming reader.
	const text = await reportOfLogFile(log, { vm: { name: 'big', backend: 'exec' } });
	assert.match(text, /^>Synopsis:\tuvm_fault: dovutimens$/m);
});
