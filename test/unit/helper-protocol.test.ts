import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, encodeFrame } from '../../src/common/frame.ts';
import {
	DAEMON_TYPES, HELPER_TYPES, T_EVENT, T_HELLO, T_INPUT, T_OUTPUT, TypedFrameDecoder, encodeAudit, encodeHello, encodeInput, encodeKill,
	encodeOutput, parseHello, parseOutput, type HelperHello,
} from '../../src/helper/protocol.ts';

const HELLO: HelperHello = {
	protocol: 1, helper_pid: 10, child_pid: 11, source: 'exec', boot: 2, log: '/v/boot.002.log', log_size: 5, started_ms: 1700000000000, running: true,
};

test('helper frames survive being split at every byte', () => {
	const stream = Buffer.concat([encodeHello(HELLO), encodeOutput(5, Buffer.from('abc')), encodeFrame(T_EVENT, '{"event":"started"}')]);
	const dec = new TypedFrameDecoder(HELPER_TYPES);
	const frames = [];
	for (const b of stream) frames.push(...dec.push(Buffer.from([b])));
	assert.deepEqual(frames.map((f) => f.kind), [T_HELLO, T_OUTPUT, T_EVENT]);
	assert.deepEqual(parseHello(frames[0].payload), HELLO);
	const out = parseOutput(frames[1].payload);
	assert.equal(out.offset, 5);
	assert.equal(out.bytes.toString(), 'abc');
});

test('output offsets are 64-bit big-endian', () => {
	const frame = encodeOutput(2 ** 40 + 3, Buffer.from('x'));
	assert.deepEqual([...frame.subarray(0, 5)], [0, 0, 0, 9, T_OUTPUT]);
	assert.deepEqual([...frame.subarray(5, 13)], [0, 0, 1, 0, 0, 0, 0, 3]);
	assert.equal(parseOutput(frame.subarray(5)).offset, 2 ** 40 + 3);
});

test('each side accepts only its peer frame types', () => {
	assert.throws(() => new TypedFrameDecoder(HELPER_TYPES).push(encodeKill('TERM')), FrameError);
	assert.throws(() => new TypedFrameDecoder(DAEMON_TYPES).push(encodeHello(HELLO)), FrameError);
	assert.throws(() => new TypedFrameDecoder(DAEMON_TYPES, 1024).push(Buffer.from([0, 0, 8, 0, T_INPUT])), /exceeds the 1024-byte limit/);
});

test('a hello from another protocol version or with a missing field is refused', () => {
	const bad = (o: object) => () => parseHello(Buffer.from(JSON.stringify(o)));
	assert.throws(bad({ ...HELLO, protocol: 2 }), /protocol 2/);
	assert.throws(bad({ ...HELLO, log_size: '5' }), /'log_size' is not a number/);
	assert.throws(bad({ ...HELLO, source: 'vmd' }), /unknown source/);
	assert.equal(parseHello(Buffer.from(JSON.stringify({ ...HELLO, child_pid: null }))).child_pid, null);
});

test('large input is split into frames the helper accepts', () => {
	const data = Buffer.alloc(200 * 1024, 7);
	const frames = new TypedFrameDecoder(DAEMON_TYPES).push(encodeInput(data));
	assert.equal(frames.length, 4);
	assert.ok(frames.every((f) => f.kind === T_INPUT && f.payload.length <= 64 * 1024));
	assert.deepEqual(Buffer.concat(frames.map((f) => f.payload)), data);
});

test('kill and audit payloads', () => {
	assert.equal(encodeKill('KILL').subarray(5).toString(), 'KILL');
	assert.equal(encodeAudit('x'.repeat(5000)).readUInt32BE(0), 2000);
});

test('frames of every size come out whole and in order however the stream is cut', () => {
	// Big frames in many small reads, several small frames in one read, headers cut in two.
	const payloads = [0, 1, 4, 5, 300, 70_000, 2, 200_000, 3].map((n, i) => Buffer.alloc(n, 65 + i));
	const stream = Buffer.concat(payloads.map((p) => encodeOutput(p.length, p)));
	for (const step of [3, 5, 4096, 65536, 1 << 20]) {
		const dec = new TypedFrameDecoder(HELPER_TYPES);
		const got: Buffer[] = [];
		for (let i = 0; i < stream.length; i += step) {
			for (const f of dec.push(stream.subarray(i, i + step))) got.push(Buffer.from(parseOutput(f.payload).bytes));
		}
		assert.deepEqual(got, payloads, `reads of ${step} bytes`);
	}
});
