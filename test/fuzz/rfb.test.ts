// Fuzzing the RFB client (src/devices/rfb.ts) against a hostile VNC server: a STAND-IN
// (a unix socket this test writes to), since no real server sends garbage on purpose.
// Whatever it sends (a valid handshake then random messages, messages with lying sizes,
// or noise from the first byte), the client either connects and later closes with an
// RfbError, or fails to connect with an RfbError; it never throws anywhere else, and its
// framebuffer never exceeds the limits it enforces (MAX_PIXELS).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_PIXELS, RfbClient, RfbError } from '../../src/devices/rfb.ts';
import { stream } from './bytes.ts';
import { params, timeout } from './params.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-fuzz-rfb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const dim = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(0, 1, 8192, 8193, 65535));

/** The server's half of a 3.8 handshake with security None, a desktop of w x h. */
const handshake = fc.record({ w: fc.integer({ min: 1, max: 64 }), h: fc.integer({ min: 1, max: 48 }), name: fc.string({ maxLength: 12 }), version: fc.constantFrom('RFB 003.008\n', 'RFB 003.889\n') }).map(({ w, h, name, version }) => {
	const n = Buffer.from(name);
	return { w, h, bytes: Buffer.from([...Buffer.from(version), 1, 1, ...u32(0), ...u16(w), ...u16(h), ...Array(16).fill(0), ...u32(n.length), ...n]) };
});

/** One server message, well-formed or with sizes that lie. */
const message = fc.oneof(
	// FramebufferUpdate with raw, CopyRect, DesktopSize or unknown rectangles
	fc.array(fc.record({ x: dim, y: dim, w: dim, h: dim, enc: fc.constantFrom(0, 0, 1, -223, 5, 16) }), { maxLength: 3 }).chain((rects) =>
		fc.tuple(...rects.map((r) => fc.uint8Array({ maxLength: Math.min(r.w * r.h * 4, 4096) }))).map((bodies) =>
			Buffer.from([0, 0, ...u16(rects.length), ...rects.flatMap((r, i) => [...u16(r.x), ...u16(r.y), ...u16(r.w), ...u16(r.h), ...u32(r.enc >>> 0), ...(r.enc === 1 ? [...u16(r.x), ...u16(r.y)] : bodies[i])])]),
		),
	),
	fc.integer({ min: 0, max: 40 }).map((n) => Buffer.from([1, 0, 0, 0, ...u16(n), ...Array(n * 6).fill(7)])), // SetColourMapEntries
	fc.constant(Buffer.from([2])), // Bell
	fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(1 << 20, (1 << 20) + 1, 0xffffffff)).map((n) => Buffer.from([3, 0, 0, 0, ...u32(n), ...Array(Math.min(n, 64)).fill(0x41)])), // ServerCutText
	stream(4),
);

const script = fc.oneof(
	{ weight: 4, arbitrary: fc.tuple(handshake, fc.array(message, { maxLength: 8 })).map(([h, msgs]) => Buffer.concat([h.bytes, ...msgs])) },
	{ weight: 1, arbitrary: fc.tuple(handshake, fc.nat()).map(([h, cut]) => h.bytes.subarray(0, cut % (h.bytes.length + 1))) },
	{ weight: 1, arbitrary: stream(10) },
);

test('a hostile VNC server: the client ends with an RfbError, throws nothing else, allocates within its limits', { timeout: timeout(180_000) }, async () => {
	const path = join(dir, 'vnc.sock');
	let send: Buffer = Buffer.alloc(0);
	const server = createServer((s: Socket) => {
		s.on('error', () => {});
		// Everything at once, then hang up: the client reads what it wants of it.
		s.end(send);
	});
	await new Promise<void>((r) => server.listen(path, r));
	const uncaught: unknown[] = [];
	const onUncaught = (e: unknown) => uncaught.push(e);
	process.on('uncaughtException', onUncaught);
	try {
		await fc.assert(
			fc.asyncProperty(script, async (bytes) => {
				send = bytes;
				let client: RfbClient;
				try {
					client = await RfbClient.connect({ path }, { timeoutMs: 30_000, minIntervalMs: 0 });
				} catch (err) {
					assert.ok(err instanceof RfbError, `connect threw ${String(err)}`);
					assert.deepEqual(uncaught, []);
					return;
				}
				const why = await new Promise<unknown>((resolve) => {
					if (client.isClosed) resolve(new RfbError('closed before we listened'));
					client.once('close', resolve);
				});
				assert.ok(why instanceof RfbError, `closed with ${String(why)}`);
				assert.ok(client.fb.data.length <= MAX_PIXELS && client.fb.data.length === client.fb.width * client.fb.height);
				assert.deepEqual(uncaught, []);
			}),
			params(0x7fb1, 300),
		);
	} finally {
		process.off('uncaughtException', onUncaught);
		server.close();
	}
});
