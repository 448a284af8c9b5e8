// The daemon can die at any time: the command and the log do not notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, readLog, startExec, tmpVmDir, waitUntil } from './helper-harness.ts';

const N = 20000;

test('a daemon that dies while the command prints loses nothing from the log; a new one re-adopts', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, `read x; i=1; while [ $i -le ${N} ]; do echo "line $i"; i=$((i+1)); done; read y; echo bye`);
	const first = await Recorder.connect(dir);
	first.conn.input(Buffer.from('go\n'));
	await first.waitText('line 1\n');
	first.conn.close();

	await waitUntil(() => readLog(dir).toString().endsWith(`line ${N}\n`), `line ${N} in the log`);
	const second = await Recorder.connect(dir);
	assert.equal(second.conn.hello.log_size, readLog(dir).length);
	assert.equal(second.conn.hello.running, true);

	const lines = readLog(dir).toString().split('\n');
	assert.equal(lines.shift(), 'go');
	assert.equal(lines.pop(), '');
	assert.equal(lines.length, N);
	lines.forEach((l, i) => assert.equal(l, `line ${i + 1}`));

	second.conn.input(Buffer.from('\n'));
	await second.waitText('bye\n');
	assert.equal(second.chunks[0].offset, second.conn.hello.log_size);
	await second.waitClose();
});

test('a new connection replaces the old one', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, 'read x; echo "got $x"; read y');
	const old = await Recorder.connect(dir);
	const next = await Recorder.connect(dir);
	await old.waitClose();
	assert.equal(next.closed, false);
	next.conn.input(Buffer.from('one\n'));
	await next.waitText('got one');
	assert.equal(old.text(), '');
	next.conn.kill('TERM');
	await next.waitClose();
});
