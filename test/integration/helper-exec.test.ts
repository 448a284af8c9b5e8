// The exec source through the real helper: log first, offsets, input, audit, exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootIndexPath, bootLogPath, readIndex } from '../../src/helper/logfiles.ts';
import { Recorder, alive, helperPid, readLog, startExec, tmpVmDir, waitUntil } from './helper-harness.ts';

test('output lands in the log exactly, frames carry its offsets, input and audit work, exit is reported', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, 'echo ready; read x; echo "got $x"; exit 7');
	const r = await Recorder.connect(dir);
	const hello = r.conn.hello;
	assert.equal(hello.protocol, 1);
	assert.equal(hello.source, 'exec');
	assert.equal(hello.boot, 1);
	assert.equal(hello.helper_pid, pid);
	assert.equal(typeof hello.child_pid, 'number');
	assert.equal(hello.log, bootLogPath(dir, 1));
	assert.equal(hello.running, true);

	// "ready" may have been logged before we connected: then it is below log_size.
	await waitUntil(() => readLog(dir).toString().includes('ready\n'), 'ready in the log');
	// The command now blocks in `read`: nothing more is printed until we type.
	await waitUntil(() => r.chunks.reduce((n, c) => n + c.bytes.length, hello.log_size) === readLog(dir).length, 'the stream to catch up');
	const auditAt = readLog(dir).length;
	r.conn.audit('alice attached\r\nas writer');
	r.conn.input(Buffer.from('hi\n'));
	await r.waitText('got hi');
	const exited = await r.waitEvent('exited');
	await r.waitClose();

	// The pty echoes the typed line; it adds no CR (no output processing, issue 12).
	const log = readLog(dir);
	assert.equal(log.toString(), 'ready\nhi\ngot hi\n');
	assert.deepEqual(exited, { event: 'exited', status: 7, signal: null, log_size: log.length });

	// The frames are the log from log_size on, contiguous.
	let at = hello.log_size;
	for (const c of r.chunks) {
		assert.equal(c.offset, at);
		at += c.bytes.length;
	}
	assert.equal(at, log.length);
	assert.deepEqual(Buffer.concat([log.subarray(0, hello.log_size), ...r.chunks.map((c) => c.bytes)]), log);

	const idx = readIndex(bootIndexPath(dir, 1));
	const audit = idx.filter((x) => x.kind === 'a');
	assert.equal(audit.length, 1);
	assert.equal(audit[0].offset, auditAt);
	assert.equal(audit[0].kind === 'a' && audit[0].text, 'alice attached  as writer');
	const events = idx.flatMap((x) => (x.kind === 'e' ? [x.json] : []));
	assert.equal(events[0].event, 'started');
	assert.equal(events[0].child_pid, hello.child_pid);
	assert.deepEqual(events.at(-1), exited);
	assert.ok(idx.some((x) => x.kind === 't' && x.offset === 0), 'a timestamp for the first byte');

	await waitUntil(() => !alive(pid), 'the helper to exit');
	assert.equal(existsSync(join(dir, 'helper.sock')), false);
	assert.equal(existsSync(join(dir, 'helper.pid')), false);
});

// Issue 12, defect 2: the pty's ONLCR logged a command's \r\n as \r\r\n. Every byte
// value, CR LF, a lone LF, a lone CR and a tab must reach the log as the command wrote them.
test('the log holds exactly the bytes the command wrote: CR LF, lone LF and CR, tabs, binary', async (t) => {
	const dir = tmpVmDir(t);
	const bytes = Buffer.concat([
		Buffer.from('crlf\r\nlf\ncr\rtab\there\r\r\n'),
		Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
		Buffer.from('\r\nEND\r\n'),
	]);
	const file = join(dir, 'bytes.bin');
	writeFileSync(file, bytes);
	const pid = await startExec(dir, `cat '${file}'`);
	await waitUntil(() => !alive(pid), 'the helper to exit');
	assert.deepEqual(readLog(dir), bytes);
});

test('a command that asks its terminal for output processing gets it, and the log holds what the pty made of it', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, "printf 'raw\\n'; stty opost onlcr; printf 'cooked\\n'");
	await waitUntil(() => !alive(pid), 'the helper to exit');
	assert.equal(readLog(dir).toString(), 'raw\ncooked\r\n');
});

function numbered(n: number): string {
	let s = '';
	for (let i = 1; i <= n; i++) s += `${i}\n`;
	return s;
}

test('the tail of a command that prints and exits at once is in the log, with no daemon', async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, 'seq 1 20000');
	await waitUntil(() => !alive(pid), 'the helper to exit');
	assert.equal(readLog(dir).toString(), numbered(20000));
	const last = readIndex(bootIndexPath(dir, 1)).at(-1);
	assert.deepEqual(last?.kind === 'e' && last.json, { event: 'exited', status: 0, signal: null, log_size: numbered(20000).length });
});

test('a connected daemon gets the last bytes before the exit event', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, 'read x; seq 1 5000');
	const r = await Recorder.connect(dir);
	r.conn.input(Buffer.from('go\n'));
	await r.waitClose();
	const log = readLog(dir);
	assert.equal(log.toString(), 'go\n' + numbered(5000));
	assert.deepEqual(Buffer.concat([log.subarray(0, r.conn.hello.log_size), ...r.chunks.map((c) => c.bytes)]), log);
	assert.equal(r.events.at(-1)?.event, 'exited');
	assert.equal(r.events.at(-1)?.log_size, log.length);
});

test('a restarted helper continues the same boot at the end of its log', async (t) => {
	const dir = tmpVmDir(t);
	const first = await startExec(dir, 'echo first');
	await waitUntil(() => !alive(first), 'the first helper to exit');
	const size = readLog(dir).length;
	const second = await startExec(dir, 'read x; echo second');
	const r = await Recorder.connect(dir);
	assert.equal(r.conn.hello.log_size, size);
	r.conn.input(Buffer.from('\n'));
	await r.waitClose();
	assert.equal(readLog(dir).toString(), 'first\n\nsecond\n');
	assert.equal(r.chunks[0].offset, size);
	await waitUntil(() => !alive(second), 'the second helper to exit');
	assert.equal(helperPid(dir), undefined);
});

test('BREAK on a pty is reported as unsupported, and the command keeps running', async (t) => {
	const dir = tmpVmDir(t);
	await startExec(dir, 'read x; echo "after $x"');
	const r = await Recorder.connect(dir);
	r.conn.sendBreak();
	const ev = await r.waitEvent('break_unsupported');
	assert.equal(typeof ev.message, 'string');
	r.conn.input(Buffer.from('break\n'));
	await r.waitText('after break');
	await r.waitClose();
});

test('a command that closes its terminal keeps the helper waiting for its exit status', async (t) => {
	const dir = tmpVmDir(t);
	const go = join(dir, 'go');
	const pid = await startExec(dir, `echo bye; exec 0<&- 1>&- 2>&-; while [ ! -e '${go}' ]; do sleep 0.05; done; exit 5`);
	await waitUntil(() => readLog(dir).toString() === 'bye\n', 'bye');
	// A round trip: the helper has had its chance to see the pty's EOF by now.
	const r = await Recorder.connect(dir);
	r.conn.control({ cmd: 'status' });
	assert.equal((await r.waitEvent('status')).running, true);
	assert.equal(alive(pid), true);
	writeFileSync(go, '');
	assert.deepEqual(await r.waitEvent('exited'), { event: 'exited', status: 5, signal: null, log_size: 4 });
});
