// Ending a console: K TERM / K KILL from the daemon, SIGTERM to the helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder, alive, readLog, startExec, tmpVmDir, waitUntil } from './helper-harness.ts';

function gone(dir: string): void {
	assert.equal(existsSync(join(dir, 'helper.sock')), false, 'helper.sock removed');
	assert.equal(existsSync(join(dir, 'helper.pid')), false, 'helper.pid removed');
}

test('kill TERM ends the command and the helper', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, 'echo up; sleep 1000');
	const r = await Recorder.connect(dir);
	r.conn.kill('TERM');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.status, null);
	assert.equal(ev.signal, 'SIGTERM');
	await r.waitClose();
	await waitUntil(() => !alive(pid), 'the helper to exit');
	gone(dir);
});

test('kill KILL ends a command that ignores SIGTERM', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, 'trap "" TERM; echo up; while :; do sleep 1; done');
	const r = await Recorder.connect(dir);
	await waitUntil(() => readLog(dir).toString().includes('up'), 'the trap to be set');
	r.conn.kill('TERM');
	r.conn.kill('KILL');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.signal, 'SIGKILL');
	await waitUntil(() => !alive(pid), 'the helper to exit');
	gone(dir);
});

test('SIGTERM to the helper is forwarded to the command, then the helper exits', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, 'echo up; sleep 1000');
	const r = await Recorder.connect(dir);
	process.kill(pid, 'SIGTERM');
	const ev = await r.waitEvent('exited');
	assert.equal(ev.signal, 'SIGTERM');
	await waitUntil(() => !alive(pid), 'the helper to exit');
	gone(dir);
});
