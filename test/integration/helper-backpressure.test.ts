// A daemon that never reads must not slow the log down or make the helper grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { encodeInput, HELPER_TYPES, T_OUTPUT, TypedFrameDecoder, parseOutput } from '../../src/helper/protocol.ts';
import { alive, readLog, startExec, tmpVmDir, waitUntil } from './helper-harness.ts';

const LINE = '0123456789abcdefghijklmnopqrstuvwxyz\n';
const TOTAL = 80_000_000;

function rssKiB(pid: number): number {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

test('a connection that never reads: the log is complete and the helper stays small', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
	const dir = tmpVmDir(t);
	const pid = await startExec(dir, `read x; yes ${LINE.trim()} | head -c ${TOTAL}`);
	const stuck = createConnection(join(dir, 'helper.sock'));
	stuck.pause();
	t.after(() => stuck.destroy());
	await new Promise((r) => stuck.once('connect', r));
	stuck.write(encodeInput(Buffer.from('go\n')));

	let maxRss = 0;
	while (alive(pid)) {
		maxRss = Math.max(maxRss, rssKiB(pid));
		await new Promise((r) => setTimeout(r, 20));
	}
	await waitUntil(() => !alive(pid), 'the helper to exit');

	// The pty does no output processing (the log holds what the command wrote); the echo
	// of the typed line comes first; head cut the last line short.
	const whole = Math.floor(TOTAL / LINE.length);
	const tail = LINE.slice(0, TOTAL % LINE.length);
	const expected = 'go\n' + LINE.repeat(whole) + tail;
	const log = readLog(dir);
	assert.equal(log.length, expected.length);
	assert.ok(log.equals(Buffer.from(expected)), 'the log holds exactly the output');
	assert.ok(maxRss > 0, 'sampled the helper RSS');
	assert.ok(maxRss < 64 * 1024, `helper RSS peaked at ${maxRss} KiB`);
});

test('a burst with output dropped still reaches the end of the stream: the last data frame, or an empty frame when the end itself was dropped', async (t) => {
	const dir = tmpVmDir(t);
	const size = 8_000_000; // twice the helper's queue: some of it is dropped
	await startExec(dir, `read x; yes ${LINE.trim()} | head -c ${size}; read y`);
	const sock = createConnection(join(dir, 'helper.sock'));
	sock.pause();
	t.after(() => sock.destroy());
	await new Promise((r) => sock.once('connect', r));
	sock.write(encodeInput(Buffer.from('go\n')));
	// The whole burst is in the log, as the command wrote it, while nobody reads.
	const logSize = 'go\n'.length + size;
	await waitUntil(() => readLog(dir).length === logSize, 'the burst to be logged');

	const dec = new TypedFrameDecoder(HELPER_TYPES);
	const outputs: { offset: number; length: number }[] = [];
	sock.on('data', (b: Buffer) => {
		for (const f of dec.push(b)) {
			if (f.kind !== T_OUTPUT) continue;
			const o = parseOutput(f.payload);
			outputs.push({ offset: o.offset, length: o.bytes.length });
		}
	});
	sock.resume();
	// Without the empty frame nothing would ever reach the end: the guest is silent now.
	await waitUntil(() => outputs.some((o) => o.offset + o.length === logSize), 'a frame that reaches the end of the log');
	assert.ok(
		outputs.some((o, i) => i > 0 && o.offset > outputs[i - 1].offset + outputs[i - 1].length),
		'output was dropped (a gap between frames)',
	);
	// Whether the burst's last bytes were among those dropped depends on how fast the helper
	// ran (under AddressSanitizer it may keep up at the end): when they were, the empty frame
	// at the log's end is what says so; when they were not, the last data frame ends there.
	const data = outputs.filter((o) => o.length > 0);
	const lastData = data.at(-1)!;
	if (lastData.offset + lastData.length < logSize) {
		assert.deepEqual(outputs.at(-1), { offset: logSize, length: 0 }, 'the last frame is empty, at the end of the stream');
		t.diagnostic('the end of the burst was dropped and announced by an empty frame');
	} else {
		assert.equal(lastData.offset + lastData.length, logSize);
		t.diagnostic('the end of the burst was not dropped: the last data frame reaches the end');
	}
});
