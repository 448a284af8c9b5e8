// Fuzzing the daemon's handling of client requests (the JSON payloads of the client
// protocol, src/daemon/server.ts and ops.ts) against the real daemon and an exec console:
// any request, with any fields of any JSON type, gets exactly one reply with its id and a
// boolean `ok`; payloads that are no JSON object get an error reply; and the same daemon
// is still serving afterwards. Ops that change which VMs exist (up, down, rm, stop) are
// left out: their arguments are specs and names, fuzzed elsewhere (test/unit/spec.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, KIND_DATA, KIND_JSON } from '../../src/common/frame.ts';
import { Sandbox, until } from '../helpers/cli.ts';
import { stream } from './bytes.ts';
import { params, timeout } from './params.ts';

const box = new Sandbox('otf');
after(() => box.cleanup());

const OPS = ['hello', 'status', 'ls', 'subscribe', 'info', 'attach', 'detach', 'takeover', 'send', 'break', 'wait', 'screen_text', 'net', 'screen', 'details', 'panels', 'nope', '', '__proto__', 'constructor', 'toString'];
const FIELDS = ['name', 'mode', 'glass', 'text', 'data', 'pattern', 'flags', 'timeout_ms', 'source', 'new', 'who', 'probe', 'pcap', 'thumb', 'on', 'png', 'fresh', 'ifconfig'];
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('f1', 'rw', 'spy', 'takeover', 'serial', 'glass', 'any', 'x', 'aGVsbG8=', true, 1, -1, 1e308));

const request = fc.record({ op: fc.oneof(fc.constantFrom(...OPS), fc.string({ maxLength: 8 })), fields: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }) }).map(({ op, fields }) => {
	const msg: Record<string, unknown> = { ...fields, op };
	// A wait that never matches must still end: the daemon's default is 5 minutes.
	if (op === 'wait') {
		msg.timeout_ms = 1 + (Number(msg.timeout_ms) >>> 0) % 50;
		if (typeof msg.pattern === 'string') msg.pattern = msg.pattern.slice(0, 8);
	}
	return msg;
});
const item = fc.oneof(
	{ weight: 6, arbitrary: request.map((msg) => ({ kind: 'req' as const, msg })) },
	{ weight: 1, arbitrary: fc.oneof(stream(4), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? ''))).map((payload) => ({ kind: 'raw' as const, payload })) },
	{ weight: 1, arbitrary: stream(4).map((payload) => ({ kind: 'keys' as const, payload })) },
);

test('any requests: one reply each, ok true or false, and the daemon keeps serving', { timeout: timeout(300_000) }, async () => {
	await box.ok(['up', 'f1', '--exec', 'stty -echo; exec cat >/dev/null']);
	const pid = box.daemonPid();
	assert.ok(pid);
	const sockPath = join(box.dir, 'run', 'daemon.sock');
	let nextId = 1;
	await fc.assert(
		fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 10 }), async (items) => {
			const s: Socket = connect(sockPath);
			const dec = new FrameDecoder();
			const replies = new Map<number, Record<string, unknown>[]>();
			let unnumbered = 0;
			s.on('data', (chunk) => {
				for (const f of dec.push(chunk)) {
					if (f.kind !== KIND_JSON) continue;
					const m = JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>;
					if (typeof m.id === 'number') replies.set(m.id, [...(replies.get(m.id) ?? []), m]);
					else if (m.ok === false) unnumbered++;
				}
			});
			s.on('error', () => {});
			await new Promise<void>((r) => s.once('connect', () => r()));
			const ids: number[] = [];
			let raws = 0;
			for (const it of items) {
				if (it.kind === 'req') {
					const id = nextId++;
					ids.push(id);
					s.write(encodeFrame(KIND_JSON, JSON.stringify({ ...it.msg, id })));
				} else if (it.kind === 'raw') {
					s.write(encodeFrame(KIND_JSON, it.payload));
					raws++;
				} else s.write(encodeFrame(KIND_DATA, it.payload));
			}
			await until(() => ids.every((id) => replies.has(id)) || undefined, `replies to ${ids.length} requests`, 60_000);
			for (const id of ids) {
				const r = replies.get(id)!;
				assert.equal(r.length, 1, `${r.length} replies to request ${id}`);
				assert.equal(typeof r[0].ok, 'boolean', JSON.stringify(r[0]));
				if (r[0].ok === false) assert.equal(typeof r[0].error, 'string');
			}
			// Payloads that are no object get an error (a raw payload may also be a valid object).
			assert.ok(unnumbered <= raws);
			s.destroy();
		}),
		params(0xd43e, 120),
	);
	const r = await box.run(['ls']);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(box.daemonPid(), pid, 'the same daemon throughout');
});
