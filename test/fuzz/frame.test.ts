// Fuzzing the client protocol's framing (src/common/frame.ts) and the client's handling of
// what comes over the daemon socket (src/client/client.ts): the decoder only ever throws
// FrameError, holds no more than one frame's worth of bytes, and gives back exactly the
// frames that were sent however the stream is cut; a client fed garbage closes with a
// UserError and throws nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameError, KIND_DATA, KIND_JSON, parseJsonPayload, type Frame } from '../../src/common/frame.ts';
import { DaemonClient } from '../../src/client/client.ts';
import { UserError } from '../../src/common/errors.ts';
import { cut, stream } from './bytes.ts';
import { params, timeout } from './params.ts';

const frameArb = fc.record({
	kind: fc.constantFrom(KIND_JSON, KIND_DATA),
	payload: fc.oneof(
		stream(20),
		fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
	),
});

test('valid frames cut anywhere decode to exactly the frames sent', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, at) => {
			const wire = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.payload)));
			const d = new FrameDecoder();
			const got: Frame[] = [];
			for (const c of cut(wire, at)) got.push(...d.push(c).map((f) => ({ kind: f.kind, payload: Buffer.from(f.payload) })));
			assert.deepEqual(
				got,
				frames.map((f) => ({ kind: f.kind, payload: Buffer.from(f.payload) })),
			);
		}),
		params(0xf4a1, 2000),
	);
});

test('random bytes: the decoder throws only FrameError and holds at most one frame', { timeout: timeout() }, () => {
	const max = 4096;
	fc.assert(
		fc.property(
			fc.array(fc.oneof(stream(8), fc.constantFrom(Buffer.from([0, 0, 0, 3, KIND_JSON]), Buffer.from([0, 0, 0x10, 1, KIND_DATA]), Buffer.from([0, 0, 0, 0, KIND_DATA]))), { maxLength: 30 }),
			(chunks) => {
				const d = new FrameDecoder(undefined, max);
				for (const c of chunks) {
					try {
						for (const f of d.push(c)) assert.ok(f.payload.length <= max);
					} catch (err) {
						assert.ok(err instanceof FrameError, `threw ${String(err)}`);
						return;
					}
					assert.ok((d as unknown as { length: number }).length < 5 + max, 'more than one frame buffered');
				}
			},
		),
		params(0xf4a2, 3000),
	);
});

test('JSON payloads: an object, or FrameError', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(
			fc.oneof(
				stream(20),
				fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
			),
			(payload) => {
				try {
					const o = parseJsonPayload(payload);
					assert.equal(typeof o, 'object');
					assert.ok(o !== null && !Array.isArray(o));
				} catch (err) {
					assert.ok(err instanceof FrameError, `threw ${String(err)}`);
				}
			},
		),
		params(0xf4a3, 3000),
	);
});

// The daemon's end here is a STAND-IN (a socket this test writes to): the real daemon never
// sends garbage, which is the point of the property.
const dir = mkdtempSync(join(tmpdir(), 'obsdtui-fuzz-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a client fed random frames from "the daemon" throws nothing and ends with a UserError if it ends', { timeout: timeout(180_000) }, async () => {
	const path = join(dir, 'd.sock');
	let serverSide: ((s: Socket) => void) | undefined;
	const server = createServer((s) => serverSide?.(s));
	await new Promise<void>((r) => server.listen(path, r));
	const uncaught: unknown[] = [];
	const onUncaught = (e: unknown) => uncaught.push(e);
	process.on('uncaughtException', onUncaught);
	try {
		await fc.assert(
			fc.asyncProperty(
				fc.array(
					fc.oneof(
						frameArb.map((f) => encodeFrame(f.kind, f.payload)),
						stream(6),
					),
					{ maxLength: 12 },
				),
				async (chunks) => {
					const peer = new Promise<Socket>((r) => (serverSide = r));
					const sock = connect(path);
					const s = await peer;
					const client = new DaemonClient(sock);
					const replies = client.request('status').then(
						() => 'ok',
						(e: unknown) => (e instanceof UserError ? 'usererror' : `other ${String(e)}`),
					);
					const closed = new Promise<void>((r) => client.once('close', r));
					for (const c of chunks) s.write(c);
					s.end();
					await closed;
					const how = await replies;
					assert.ok(how === 'ok' || how === 'usererror', how);
					assert.deepEqual(uncaught, []);
					client.close();
				},
			),
			// Found by this property: a JSON frame that is not an object threw out of the listener.
			params(0xf4a4, 200, [[[encodeFrame(KIND_JSON, 'true')]]]),
		);
	} finally {
		process.off('uncaughtException', onUncaught);
		server.close();
	}
});
