// The qemu source with a real QEMU: EDK2 firmware on `virt` prints to the PL011 and ends
// in the UEFI shell, which is enough to check the telnet layer both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { bootIndexPath, readIndex } from '../../src/helper/logfiles.ts';
import { join } from 'node:path';
import { spawnHelper } from '../../src/helper/spawn.ts';
import { Recorder, alive, helperPid, readLog, tmpVmDir, waitUntil } from './helper-harness.ts';

const FIRMWARE = ['/usr/share/qemu-efi-aarch64/QEMU_EFI.fd', '/opt/homebrew/share/qemu/edk2-aarch64-code.fd'].find(existsSync);
const hasQemu = spawnSync('qemu-system-aarch64', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasQemu ? 'needs qemu-system-aarch64' : !FIRMWARE ? 'needs AArch64 UEFI firmware' : false;

function qemuArgs(sock: string, telnet: boolean): string[] {
	return ['qemu-system-aarch64', '-M', 'virt', '-cpu', 'cortex-a72', '-m', '256', '-nodefaults', '-display', 'none', '-bios', FIRMWARE!,
		'-chardev', `socket,id=ser0,path=${sock},server=on,wait=on,telnet=${telnet ? 'on' : 'off'}`, '-serial', 'chardev:ser0'];
}

/** Boot the firmware to its shell, type a command, and end QEMU with K TERM. */
async function shellSession(dir: string, telnet: boolean): Promise<Recorder> {
	const sock = join(dir, 'console.sock');
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['qemu', '-s', sock, '-T', telnet ? 'telnet' : 'raw', '--', ...qemuArgs(sock, telnet)] });
	const pid = helperPid(dir)!;
	const r = await Recorder.connect(dir);
	assert.equal(r.conn.hello.source, 'qemu');
	// The shell offers to skip startup.nsh with ESC; either way it ends at "Shell> ".
	await waitUntil(() => readLog(dir).toString('latin1').includes('Shell> '), 'the UEFI shell prompt', 150_000);
	r.conn.sendBreak();
	// Typed one key at a time: the firmware polls a 16-byte UART FIFO and drops a paste.
	for (const key of 'echo obsdtui-was-here\r') {
		r.conn.input(Buffer.from(key));
		await new Promise((res) => setTimeout(res, 50));
	}
	await waitUntil(() => readLog(dir).toString('latin1').includes('\r\nobsdtui-was-here\r\n'), 'the output of echo', 60_000);
	r.conn.kill('TERM');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.log_size, readLog(dir).length);
	await waitUntil(() => !alive(pid), 'the helper to exit');
	assert.equal(existsSync(join(dir, 'helper.sock')), false);
	return r;
}

test('qemu, telnet console: negotiation never reaches the log, typed bytes reach the guest, TERM ends QEMU', { skip, timeout: 240_000 }, async (t) => {
	const dir = tmpVmDir(t);
	const r = await shellSession(dir, true);
	// QEMU opens the connection with IAC WILL/DO negotiation; none of it is console output.
	assert.equal(readLog(dir).indexOf(0xff), -1);
	assert.equal(r.event('break_unsupported'), undefined);
});

test("qemu, raw console: the firmware's very first line is in the log", { skip, timeout: 240_000 }, async (t) => {
	const dir = tmpVmDir(t);
	const r = await shellSession(dir, false);
	assert.match(readLog(dir).toString('latin1'), /^UEFI firmware/);
	assert.match(String(r.event('break_unsupported')?.message), /chardev-send-break/);
});

test('qemu: a QEMU that fails to start fails spawnHelper with its error', { skip: !hasQemu && 'needs qemu-system-aarch64' }, async (t) => {
	const dir = tmpVmDir(t);
	const sock = join(dir, 'console.sock');
	await assert.rejects(
		spawnHelper({ vmDir: dir, boot: 1, argv: ['qemu', '-s', sock, '--', 'qemu-system-aarch64', '-M', 'no-such-machine'] }),
		(e: Error) => /failed to start/.test(e.message) && /unsupported machine type/.test(e.message),
	);
	assert.equal(existsSync(join(dir, 'helper.sock')), false);
});

// A stand-in for QEMU's telnet chardev: negotiates like QEMU (split across writes), sends a
// doubled IAC, and reports every line it receives in hex.
const FAKE_QEMU = `
const net = require('node:net');
const srv = net.createServer((c) => {
	const parts = [[255], [251, 1, 255, 251], [3, 255, 253, 0], [255, 250, 24, 1, 255], [240], 'hello ', [255], [255], ' world\\n'];
	let line = Buffer.alloc(0);
	const reply = () => {
		let i;
		while (!parts.length && (i = line.indexOf(10)) !== -1) {
			c.write('got:' + line.subarray(0, i + 1).toString('hex') + '\\n');
			line = line.subarray(i + 1);
		}
	};
	const next = () => {
		c.write(Buffer.from(parts.shift()));
		if (parts.length) setImmediate(next);
		else reply();
	};
	next();
	c.on('data', (d) => {
		line = Buffer.concat([line, d]);
		reply();
	});
});
srv.listen(process.argv[1]);
`;

test('qemu source: telnet commands are stripped from output, IAC is escaped on input, BREAK is IAC BRK', async (t) => {
	const dir = tmpVmDir(t);
	const sock = join(dir, 'console.sock');
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['qemu', '-s', sock, '-T', 'telnet', '--', process.execPath, '-e', FAKE_QEMU, sock] });
	const pid = helperPid(dir)!;
	const r = await Recorder.connect(dir);
	r.conn.input(Buffer.from('a\xffb\n', 'latin1'));
	r.conn.sendBreak();
	r.conn.input(Buffer.from('\n'));
	const expected = 'hello \xff world\ngot:61ffff620a\ngot:fff30a\n';
	await waitUntil(() => readLog(dir).length >= expected.length, 'the replies');
	assert.equal(readLog(dir).toString('latin1'), expected);
	r.conn.kill('TERM');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.signal, 'SIGTERM');
	await waitUntil(() => !alive(pid), 'the helper to exit');
	const events = readIndex(bootIndexPath(dir, 1)).flatMap((x) => (x.kind === 'e' ? [x.json.event] : []));
	assert.deepEqual(events, ['started', 'exited']);
});

// A raw console socket: bytes pass untouched both ways.
const FAKE_RAW = `
const net = require('node:net');
net.createServer((c) => {
	c.write(Buffer.from([0x68, 0x69, 0xff, 0xfb, 0x01, 0x0a]));
	c.on('data', (d) => c.write('got:' + d.toString('hex') + '\\n'));
}).listen(process.argv[1]);
`;

test('qemu source, raw: 0xff is data both ways', async (t) => {
	const dir = tmpVmDir(t);
	const sock = join(dir, 'console.sock');
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['qemu', '-s', sock, '-T', 'raw', '--', process.execPath, '-e', FAKE_RAW, sock] });
	const r = await Recorder.connect(dir);
	await waitUntil(() => readLog(dir).length === 6, 'the greeting');
	r.conn.input(Buffer.from([0xff, 0xf3]));
	const expected = Buffer.concat([Buffer.from([0x68, 0x69, 0xff, 0xfb, 0x01, 0x0a]), Buffer.from('got:fff3\n')]);
	await waitUntil(() => readLog(dir).length >= expected.length, 'the reply');
	assert.deepEqual(readLog(dir), expected);
	r.conn.kill('KILL');
	assert.equal((await r.waitEvent('exited')).signal, 'SIGKILL');
});
