// The serial source against a real pty pair: a small python3 peer holds the master side
// and plays the device; the helper opens the slave path as its serial line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { spawnHelper } from '../../src/helper/spawn.ts';
import { Recorder, alive, helperPid, readLog, tmpVmDir, waitUntil } from './helper-harness.ts';

// Prints the slave path, then copies stdin -> master and master -> stdout.
const PEER = `
import os, pty, select, sys
m, s = pty.openpty()
print(os.ttyname(s), flush=True)
while True:
    r, _, _ = select.select([0, m], [], [])
    if 0 in r:
        b = os.read(0, 4096)
        if not b:
            break
        os.write(m, b)
    if m in r:
        try:
            b = os.read(m, 4096)
        except OSError:
            break
        os.write(1, b)
`;

const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

test('serial: bytes both ways through a pty pair, BREAK does not break anything', { skip: !hasPython && 'needs python3' }, async (t) => {
	const dir = tmpVmDir(t);
	const peer = spawn('python3', ['-c', PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
	t.after(() => peer.kill('SIGKILL'));
	// The peer's stdout: the slave path and a newline, then what the helper wrote.
	let peerOut = '';
	peer.stdout.on('data', (b: Buffer) => (peerOut += b.toString('latin1')));
	const nl = () => peerOut.indexOf('\n');
	const fromHelper = () => peerOut.slice(nl() + 1);
	await waitUntil(() => nl() !== -1, 'the pty peer');
	const slave = peerOut.slice(0, nl());

	await spawnHelper({ vmDir: dir, boot: 1, argv: ['serial', '-D', slave, '-S', '115200', '-P', '8N1', '-F', 'none'] });
	const pid = helperPid(dir)!;
	const r = await Recorder.connect(dir);
	assert.equal(r.conn.hello.source, 'serial');
	assert.equal(r.conn.hello.child_pid, null);

	// Raw mode: no echo, no CR/LF translation, 0xff and NUL pass through.
	const device = Buffer.from('OpenBSD/arm64 BOOTAA64 1.19\nboot> \xff\x00', 'latin1');
	peer.stdin.write(device);
	await waitUntil(() => readLog(dir).length === device.length, 'the device bytes in the log');
	assert.deepEqual(readLog(dir), device);
	await waitUntil(() => r.text() === device.toString('latin1'), 'the device bytes on the connection');

	r.conn.input(Buffer.from('boot -s\n'));
	await waitUntil(() => fromHelper() === 'boot -s\n', 'typed bytes at the device');

	r.conn.sendBreak();
	r.conn.input(Buffer.from('after break\n'));
	await waitUntil(() => fromHelper() === 'boot -s\nafter break\n', 'typed bytes after the BREAK');
	// A status round trip: any error event about the BREAK came before its answer.
	r.conn.control({ cmd: 'status' });
	await r.waitEvent('status');
	assert.equal(r.event('error'), undefined);
	assert.equal(alive(pid), true);

	r.conn.kill('TERM');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.signal, 'SIGTERM');
	await waitUntil(() => !alive(pid), 'the helper to exit');
});

test('serial: a device that cannot be opened fails the start with the reason', async (t) => {
	const dir = tmpVmDir(t);
	await assert.rejects(
		spawnHelper({ vmDir: dir, boot: 1, argv: ['serial', '-D', '/dev/obsdtui-no-such-tty', '-S', '115200'] }),
		(e: Error) => /failed to start/.test(e.message) && /obsdtui-no-such-tty: No such file or directory/.test(e.message),
	);
});
