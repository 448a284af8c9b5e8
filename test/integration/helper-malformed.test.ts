// A daemon speaking garbage loses its connection; the helper and the command carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { encodeFrame } from '../../src/common/frame.ts';
import { T_KILL } from '../../src/helper/protocol.ts';
import { Recorder, startExec, tmpVmDir, waitUntil } from './helper-harness.ts';

async function rawConnect(dir: string): Promise<{ socket: Socket; closed: () => boolean; received: () => Buffer }> {
	const socket = createConnection(join(dir, 'helper.sock'));
	const got: Buffer[] = [];
	let closed = false;
	socket.on('data', (b) => got.push(b));
	socket.on('close', () => (closed = true));
	socket.on('error', () => {});
	await new Promise((r) => socket.once('connect', r));
	// The hello comes first on every connection.
	await waitUntil(() => Buffer.concat(got).length >= 5, 'the hello');
	assert.equal(Buffer.concat(got)[4], 'H'.charCodeAt(0));
	return { socket, closed: () => closed, received: () => Buffer.concat(got) };
}

const BAD: [string, Buffer][] = [
	['an unknown frame type', encodeFrame('Z'.charCodeAt(0), 'x')],
	['a frame longer than the limit', Buffer.from([0x7f, 0, 0, 0, 'I'.charCodeAt(0)])],
	['a kill frame with an unknown signal', encodeFrame(T_KILL, 'HUP')],
];

test('malformed frames drop the connection, and the helper keeps serving', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, 'while read x; do echo "got $x"; done');
	for (const [what, frame] of BAD) {
		const raw = await rawConnect(dir);
		raw.socket.write(frame);
		await waitUntil(raw.closed, `the helper to drop the connection after ${what}`);
	}
	const r = await Recorder.connect(dir);
	r.conn.input(Buffer.from('still here\n'));
	await r.waitText('got still here');
	r.conn.kill('KILL');
	await r.waitClose();
});

test('control commands: status answers, an unknown command is an error event, not a disconnect', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, 'while read x; do echo "got $x"; done');
	const r = await Recorder.connect(dir);
	r.conn.control({ cmd: 'net-nonsense' });
	const err = await r.waitEvent('error');
	assert.equal(err.cmd, 'net-nonsense');
	r.conn.control({ cmd: 'status' });
	const st = await r.waitEvent('status');
	assert.equal(st.helper_pid, r.conn.hello.helper_pid);
	assert.equal(st.running, true);
	r.conn.input(Buffer.from('ok\n'));
	await r.waitText('got ok');
	assert.equal(r.closed, false);
	r.conn.kill('KILL');
	await r.waitClose();
});
