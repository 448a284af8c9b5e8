// The per-boot log cap (-L, spec logMax): a flooding guest fills the log up to the cap
// and no further, while the console, the daemon's screen and the viewers keep going.
// Real helper, real daemon, real pty viewers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { Sandbox, BIN, until } from '../helpers/cli.ts';
import { HelperConnection } from '../../src/helper/connection.ts';
import { spawnHelper } from '../../src/helper/spawn.ts';
import { readIndex, bootIndexPath, bootLogPath, type IndexRecord } from '../../src/helper/logfiles.ts';
import { readLog, tmpVmDir, waitUntil } from './helper-harness.ts';

const box = new Sandbox('otl');
after(() => box.cleanup());

function vmInfo(ls: string, name: string): { alerts: string[] } | undefined {
	return (JSON.parse(ls) as { vms: { name: string; alerts: string[] }[] }).vms.find((v) => v.name === name);
}

type EventRecord = Extract<IndexRecord, { kind: 'e' }>;

function events(dir: string): EventRecord[] {
	return readIndex(bootIndexPath(dir, 1)).filter((r): r is EventRecord => r.kind === 'e');
}

function logFullRecords(dir: string): EventRecord[] {
	return events(dir).filter((r) => r.json.event === 'log_full');
}

function viewer(args: string[]) {
	const v = { output: '', proc: pty.spawn(process.execPath, [BIN, ...args], { cols: 100, rows: 30, env: box.env as Record<string, string> }) };
	v.proc.onData((d) => (v.output += d));
	return v;
}

const ALERT = 'console log full at 1 MiB: output is no longer logged';

test('obsdtui up --log-max 1: the log stops at 1 MiB, the console, wait and viewers go on', async () => {
	// The flood starts on 'go', once the daemon is connected: output past the cap that
	// nobody was connected to see is gone (it is in no log).
	await box.ok(['up', 'x', '--log-max', '1', '--exec',
		'read go; yes 0123456789 | head -c 3000000; echo; echo TAIL; while read l; do echo "got:$l"; done']);
	await box.ok(['send', 'x', 'go']);
	await box.ok(['wait', 'x', '--for', 'TAIL', '--timeout', '60']);

	const dir = box.vmDir('x');
	const log = readFileSync(bootLogPath(dir, 1));
	assert.equal(log.length, 1048576);
	// Only the flood's start made it: its lines are intact up to the cut, TAIL is not there.
	const lines = log.subarray(log.length - 4096).toString('latin1').split('\n').slice(1, -1);
	assert.ok(lines.length > 300 && lines.every((l) => l === '0123456789'), 'the end of the log is the flood');
	assert.doesNotMatch(log.toString('latin1'), /TAIL/);
	const full = logFullRecords(dir);
	assert.deepEqual(full.map((r) => [r.offset, r.json]), [[1048576, { event: 'log_full', max: 1048576 }]]);
	// Timestamps stop with the log.
	for (const r of readIndex(bootIndexPath(dir, 1))) assert.ok(r.offset <= 1048576, `record past the log's end: ${JSON.stringify(r)}`);

	assert.ok(vmInfo(await box.ok(['ls', '--json']), 'x')?.alerts.includes(ALERT));

	// A viewer that attaches now gets the screen as the output left it, past the cap,
	// and sees new output live.
	const spy = viewer(['console', 'x', '--spy']);
	try {
		await until(() => spy.output.includes('TAIL'), 'TAIL in the viewer\'s snapshot');
		await box.ok(['send', 'x', 'after-the-cap']);
		await until(() => spy.output.includes('got:after-the-cap'), 'live output in the viewer');
	} finally {
		spy.proc.kill();
	}
	assert.equal(statSync(bootLogPath(dir, 1)).size, 1048576);

	// A daemon that adopts the helper later learns from the index that the log is full,
	// and takes output that lies beyond the log's end as it comes.
	await box.ok(['daemon', 'stop']);
	assert.ok(vmInfo(await box.ok(['ls', '--json']), 'x')?.alerts.includes(ALERT));
	await box.ok(['send', 'x', 'after-adoption']);
	await box.ok(['wait', 'x', '--for', 'got:after-adoption', '--timeout', '30']);
	await box.ok(['down', 'x', '--force']);
	assert.equal(statSync(bootLogPath(dir, 1)).size, 1048576);
	assert.equal(logFullRecords(dir).length, 1);
	assert.ok(vmInfo(await box.ok(['ls', '--json']), 'x')?.alerts.includes(ALERT), 'the alert stays with the finished boot');
});

type Seen = { offset: number; bytes: Buffer; ev?: undefined } | { ev: Record<string, unknown> };

/** What one connection delivered, output and events in one timeline. */
function record(conn: HelperConnection): Seen[] {
	const seen: Seen[] = [];
	conn.on('output', (offset: number, bytes: Buffer) => seen.push({ offset, bytes }));
	conn.on('event', (ev: Record<string, unknown>) => seen.push({ ev }));
	return seen;
}

const outputs = (seen: Seen[]) => seen.filter((s) => s.ev === undefined);
const named = (s: Seen, name: string) => s.ev?.event === name;

test('helper -L: the part that fits, one log_full before the frame that passes the cap, offsets count on', async (t) => {
	const dir = tmpVmDir(t);
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['exec', '-L', '1000', '-w', '80x24', '--', '/bin/sh', '-c', "stty -echo; read go; head -c 3000 /dev/zero | tr '\\0' x; echo; echo END"] });
	const conn = await HelperConnection.connect(dir, 10_000);
	const seen = record(conn);
	conn.input(Buffer.from('go\n'));
	await waitUntil(() => seen.some((s) => named(s, 'exited')), 'the command to end');
	conn.close();

	const log = readLog(dir);
	assert.equal(log.length, 1000);
	const chunks = outputs(seen);
	let at = conn.hello.log_size;
	for (const c of chunks) {
		assert.equal(c.offset, at, 'the frames are contiguous, past the cap too');
		at += c.bytes.length;
	}
	const stream = Buffer.concat([log.subarray(0, conn.hello.log_size), ...chunks.map((c) => c.bytes)]);
	assert.deepEqual(log, stream.subarray(0, 1000));
	assert.match(stream.toString('latin1'), /x{3000}\nEND\n$/);

	const full = seen.findIndex((s) => named(s, 'log_full'));
	assert.deepEqual(seen[full], { ev: { event: 'log_full', max: 1000 } });
	const crossing = seen.findIndex((s) => s.ev === undefined && s.offset + s.bytes.length > 1000);
	assert.ok(full >= 0 && full < crossing, 'log_full comes before the first byte past the cap');
	assert.equal(seen.filter((s) => named(s, 'log_full')).length, 1);
	assert.deepEqual(seen.at(-1), { ev: { event: 'exited', status: 0, signal: null, log_size: 1000 } });
	assert.deepEqual(logFullRecords(dir).map((r) => r.offset), [1000]);
});

test('a helper restarted on a full log starts full: it logs nothing and says so', async (t) => {
	const dir = tmpVmDir(t);
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['exec', '-L', '100', '-w', '80x24', '--', '/bin/sh', '-c', 'head -c 500 /dev/zero | tr "\\0" y'] });
	await waitUntil(() => events(dir).some((r) => r.json.event === 'exited'), 'the first helper to end');
	assert.equal(readLog(dir).length, 100);

	await spawnHelper({ vmDir: dir, boot: 1, argv: ['exec', '-L', '100', '-w', '80x24', '--', '/bin/sh', '-c', `stty -echo; : > '${join(dir, 'echo-off')}'; read go; echo more`] });
	const conn = await HelperConnection.connect(dir, 10_000);
	const seen = record(conn);
	assert.equal(conn.hello.log_size, 100);
	// Typed only once echo is off: typed earlier, the pty would echo it.
	await waitUntil(() => existsSync(join(dir, 'echo-off')), 'the command to turn echo off');
	conn.input(Buffer.from('go\n'));
	await waitUntil(() => seen.some((s) => named(s, 'exited')), 'the second helper to end');
	conn.close();
	assert.equal(readLog(dir).length, 100);
	const chunks = outputs(seen);
	assert.equal(Buffer.concat(chunks.map((c) => c.bytes)).toString('latin1'), 'more\n');
	assert.equal(chunks[0].offset, 100);
	// One record per helper that found the log full: the second one's comes right after its start.
	assert.deepEqual(events(dir).map((r) => [r.offset, r.json.event]), [
		[0, 'started'], [100, 'log_full'], [100, 'exited'],
		[100, 'started'], [100, 'log_full'], [100, 'exited'],
	]);
});

test('an old argv without -L logs everything', async (t) => {
	const dir = tmpVmDir(t);
	await spawnHelper({ vmDir: dir, boot: 1, argv: ['exec', '-w', '80x24', '--', '/bin/sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" z'] });
	await waitUntil(() => events(dir).some((r) => r.json.event === 'exited'), 'the helper to end');
	assert.equal(readLog(dir).length, 200000);
	assert.equal(logFullRecords(dir).length, 0);
});

test('a bad -L is refused before anything starts', async (t) => {
	const dir = tmpVmDir(t);
	for (const bad of ['0', '-5', '1x', '']) {
		await assert.rejects(spawnHelper({ vmDir: dir, boot: 1, argv: ['exec', '-L', bad, '--', 'true'] }), new RegExp(`log cap ${bad}: (out of range|not a number)`));
	}
	assert.equal(readLog(dir).length, 0);
});
