// The RFB client against an in-process scripted server. The server is a STAND-IN: it
// plays the hostile and malformed cases a real server (QEMU, in
// test/e2e/rfb-qemu.test.ts) will not produce, and checks byte for byte what the
// client sends. Every script waits for bytes, never for time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RfbClient, RfbError, vncKey, vncResponse, copyRect, XK } from '../../src/devices/rfb.ts';
import { bytesToStrokes, strokeEvents } from '../../src/glass/keys.ts';

/** The key events RfbClient.typeText sends for one character. */
const keysFor = (ch: string) => strokeEvents(bytesToStrokes(ch));
import type { Rect } from '../../src/glass/types.ts';
import { RfbMonitor, fbVerdict } from '../../src/devices/framebuffer.ts';
import { VmDevices } from '../../src/devices/vm-devices.ts';
import { screenReport } from '../../src/devices/screen.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-rfb-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** The server side of one connection: exact reads and raw writes. */
class Peer {
	private buf = Buffer.alloc(0);
	private want?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
	private ended = false;
	constructor(readonly s: Socket) {
		s.on('data', (b) => {
			this.buf = Buffer.concat([this.buf, b]);
			this.serve();
		});
		s.on('close', () => {
			this.ended = true;
			this.want?.reject(new Error('client hung up'));
		});
		s.on('error', () => {});
	}
	private serve(): void {
		if (this.want && this.buf.length >= this.want.n) {
			const w = this.want;
			this.want = undefined;
			const out = this.buf.subarray(0, w.n);
			this.buf = this.buf.subarray(w.n);
			w.resolve(out);
		}
	}
	read(n: number): Promise<Buffer> {
		return new Promise((resolve, reject) => {
			if (this.ended && this.buf.length < n) return reject(new Error('client hung up'));
			this.want = { n, resolve, reject };
			this.serve();
		});
	}
	write(...parts: (Buffer | number[] | string)[]): void {
		for (const p of parts) this.s.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p as Buffer));
	}
	/** Wait for the client to hang up (after an error on its side). */
	closed(): Promise<void> {
		return new Promise((r) => (this.ended ? r() : this.s.once('close', () => r())));
	}
}

function u16(v: number): number[] {
	return [(v >> 8) & 0xff, v & 0xff];
}
function u32(v: number): number[] {
	return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
function s32(v: number): number[] {
	return u32(v >>> 0);
}
function serverInit(w: number, h: number, name: string): number[] {
	// The server's own pixel format (we replace it): 32 bpp big-endian, to show it is ignored.
	const pf = [32, 24, 1, 1, ...u16(255), ...u16(255), ...u16(255), 16, 8, 0, 0, 0, 0];
	return [...u16(w), ...u16(h), ...pf, ...u32(Buffer.byteLength(name)), ...Buffer.from(name)];
}
function rectHead(x: number, y: number, w: number, h: number, enc: number): number[] {
	return [...u16(x), ...u16(y), ...u16(w), ...u16(h), ...s32(enc)];
}
/** Raw pixels as the client asked for them: B G R x per pixel. */
function rawPixels(px: number[]): number[] {
	return px.flatMap((p) => [p & 0xff, (p >> 8) & 0xff, (p >> 16) & 0xff, 0xee]);
}

/** A stand-in server running `script` on the first connection; returns the socket path. */
async function stand(script: (p: Peer) => Promise<void>): Promise<{ path: string; done: Promise<void>; server: Server }> {
	const path = join(dir, `s${n++}.sock`);
	let done!: Promise<void>;
	const server = createServer();
	const accepted = new Promise<void>((resolve) => {
		server.once('connection', (s) => {
			done = script(new Peer(s));
			resolve();
		});
	});
	await new Promise<void>((r) => server.listen(path, r));
	return {
		path,
		get done() {
			return accepted.then(() => done).finally(() => server.close());
		},
		server,
	};
}

/** Version and security None, as a script prelude; checks the client's answers. */
async function greetNone(p: Peer): Promise<void> {
	p.write('RFB 003.008\n');
	assert.equal((await p.read(12)).toString(), 'RFB 003.008\n');
	p.write([1, 1]);
	assert.deepEqual([...(await p.read(1))], [1]);
	p.write(u32(0));
	assert.deepEqual([...(await p.read(1))], [1], 'ClientInit asks to share the desktop');
}

function nextEvent<T extends unknown[]>(c: RfbClient, ev: string): Promise<T> {
	return new Promise((r) => c.once(ev, (...a: unknown[]) => r(a as T)));
}

test('handshake, pixel format, encodings, Raw, CopyRect, DesktopSize, bell, skipped messages', async () => {
	const s = await stand(async (p) => {
		await greetNone(p);
		p.write(serverInit(4, 3, 'vm one\x1b[2J'));
		// SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, 255/255/255 at 16/8/0.
		assert.deepEqual([...(await p.read(20))], [0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
		// SetEncodings: CopyRect, Raw, DesktopSize.
		assert.deepEqual([...(await p.read(16))], [2, 0, ...u16(3), ...s32(1), ...s32(0), ...s32(-223)]);
		// A full, non-incremental request first.
		assert.deepEqual([...(await p.read(10))], [3, 0, ...u16(0), ...u16(0), ...u16(4), ...u16(3)]);
		const px = Array.from({ length: 12 }, (_, i) => 0x010203 * (i + 1));
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 4, 3, 0), rawPixels(px));
		assert.deepEqual([...(await p.read(10))], [3, 1, ...u16(0), ...u16(0), ...u16(4), ...u16(3)], 'then incremental');
		// Messages to skip, then a bell, then a CopyRect moving rows 1-2 up to rows 0-1.
		p.write([1, 0, ...u16(0), ...u16(2), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
		p.write([3, 0, 0, 0, ...u32(5), ...Buffer.from('hello')]);
		p.write([2]);
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 4, 2, 1), [...u16(0), ...u16(1)]);
		assert.deepEqual([...(await p.read(10))], [3, 1, ...u16(0), ...u16(0), ...u16(4), ...u16(3)]);
		// The guest changes mode: a DesktopSize rectangle, then a full request for the new size.
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 2, 2, -223));
		assert.deepEqual([...(await p.read(10))], [3, 0, ...u16(0), ...u16(0), ...u16(2), ...u16(2)]);
		// Keys the client sends.
		assert.deepEqual([...(await p.read(8))], [4, 1, 0, 0, ...u32(0x61)]);
		assert.deepEqual([...(await p.read(8))], [4, 0, 0, 0, ...u32(0x61)]);
		// The glass BREAK: Ctrl, Alt, Esc down in order, up in reverse.
		const combo = [];
		for (let i = 0; i < 6; i++) {
			const k = await p.read(8);
			combo.push([k[1], k.readUInt32BE(4)]);
		}
		assert.deepEqual(combo, [[1, XK.Control_L], [1, XK.Alt_L], [1, XK.Escape], [0, XK.Escape], [0, XK.Alt_L], [0, XK.Control_L]]);
		p.s.end();
	});
	// minIntervalMs 0: requests go out at once, so their order against the keys below is fixed.
	const c = await RfbClient.connect({ path: s.path }, { minIntervalMs: 0 });
	assert.equal(c.name, 'vm one[2J', 'control characters are dropped from the name');
	assert.equal(c.fb.width, 4);
	assert.equal(c.fb.height, 3);
	const [rects] = await nextEvent<[Rect[]]>(c, 'update');
	assert.deepEqual(rects, [{ x: 0, y: 0, w: 4, h: 3 }]);
	assert.deepEqual([...c.fb.data], Array.from({ length: 12 }, (_, i) => 0x010203 * (i + 1)), 'the padding byte is not part of the colour');
	const bell = nextEvent(c, 'bell');
	const [moved] = await nextEvent<[Rect[]]>(c, 'update');
	await bell;
	assert.deepEqual(moved, [{ x: 0, y: 0, w: 4, h: 2, from: { x: 0, y: 1 } }]);
	assert.deepEqual([...c.fb.data], [5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12].map((i) => 0x010203 * i));
	const [w, h] = await nextEvent<[number, number]>(c, 'resize');
	assert.deepEqual([w, h, c.fb.width, c.fb.height, c.fb.data.length], [2, 2, 2, 2, 4]);
	const closed = nextEvent<[Error?]>(c, 'close');
	c.typeText('a');
	c.pressCombo([XK.Control_L, XK.Alt_L, XK.Escape]);
	await s.done;
	const [err] = await closed;
	assert.match(String(err?.message), /server closed/);
});

test('VNC authentication: the DES answer to a known challenge, and a refusal', async () => {
	// Key 'pass' -> 70 61 73 73 00.. bit-reversed by hand: 0e 86 ce ce 00 00 00 00.
	assert.equal(vncKey('pass').toString('hex'), '0e86cece00000000');
	assert.equal(vncKey('longer than eight').toString('hex'), vncKey('longer t').toString('hex'));
	// Expected bytes from `openssl enc -des-ecb -K 0e86cece00000000 -nopad` (legacy provider)
	// over the challenge 00 01 .. 0f: single DES, computed outside Node.
	const challenge = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
	const expected = '5fb02f4e6ec9fda06c41df1f35015138';
	assert.equal(vncResponse('pass', challenge).toString('hex'), expected);

	const ok = await stand(async (p) => {
		p.write('RFB 003.008\n');
		await p.read(12);
		p.write([2, 1, 2]);
		assert.deepEqual([...(await p.read(1))], [2], 'with a password the client picks VNC authentication');
		p.write(challenge);
		assert.equal((await p.read(16)).toString('hex'), expected);
		p.write(u32(0));
		await p.read(1);
		p.write(serverInit(1, 1, ''));
		await p.read(46);
		p.s.end();
	});
	const c = await RfbClient.connect({ path: ok.path }, { password: 'pass' });
	assert.equal(c.fb.width, 1);
	await ok.done;
	c.close();

	const bad = await stand(async (p) => {
		p.write('RFB 003.008\n');
		await p.read(12);
		p.write([1, 2]);
		await p.read(1);
		p.write(challenge);
		await p.read(16);
		p.write(u32(1), u32(17), 'Too many failures');
		await p.closed();
	});
	await assert.rejects(RfbClient.connect({ path: bad.path }, { password: 'nope' }), (e: Error) => e instanceof RfbError && /authentication failed \(wrong password\?\): Too many failures/.test(e.message));
	await bad.done;

	const nopw = await stand(async (p) => {
		p.write('RFB 003.008\n');
		await p.read(12);
		p.write([1, 2]);
		await p.closed();
	});
	await assert.rejects(RfbClient.connect({ path: nopw.path }), /wants a password/);
	await nopw.done;
});

/** A server that says `bytes` after a clean handshake of a 16x8 screen, and what the client says. */
async function hostileAfterInit(bytes: number[]): Promise<Error | undefined> {
	const s = await stand(async (p) => {
		await greetNone(p);
		p.write(serverInit(16, 8, 'h'));
		await p.read(46);
		p.write(bytes);
		await p.closed();
	});
	const c = await RfbClient.connect({ path: s.path });
	const [err] = await nextEvent<[Error?]>(c, 'close');
	await s.done;
	assert.ok(c.isClosed);
	return err;
}

test('hostile server: rectangles outside the framebuffer, unknown encodings and messages, huge cut text', async () => {
	assert.match(String((await hostileAfterInit([0, 0, ...u16(1), ...rectHead(10, 0, 7, 1, 0)]))?.message), /rectangle 7x1\+10\+0 lies outside the 16x8 framebuffer/);
	assert.match(String((await hostileAfterInit([0, 0, ...u16(1), ...rectHead(0, 0, 65535, 65535, 0)]))?.message), /outside/);
	assert.match(String((await hostileAfterInit([0, 0, ...u16(1), ...rectHead(0, 0, 4, 4, 1), ...u16(14), ...u16(0)]))?.message), /CopyRect source 4x4\+14\+0 lies outside/);
	assert.match(String((await hostileAfterInit([0, 0, ...u16(1), ...rectHead(0, 0, 4, 4, 16)]))?.message), /encoding 16, which we did not ask for/);
	assert.match(String((await hostileAfterInit([0, 0, ...u16(1), ...rectHead(0, 0, 60000, 60000, -223)]))?.message), /larger than 8192 pixels/);
	assert.match(String((await hostileAfterInit([9]))?.message), /unknown server message type 9/);
	assert.match(String((await hostileAfterInit([3, 0, 0, 0, ...u32(0xffffffff)]))?.message), /cut text of 4294967295 bytes/);
});

test('hostile server: bad greetings and absurd lengths fail the connect with one clear line', async () => {
	const cases: [number[] | string, RegExp][] = [
		['HTTP/1.1 400', /not an RFB server/],
		['RFB 003.003\n', /speaks RFB 3\.3; obsdtui needs 3\.8/],
	];
	for (const [greeting, re] of cases) {
		const s = await stand(async (p) => {
			p.write(greeting);
			await p.closed();
		});
		await assert.rejects(RfbClient.connect({ path: s.path }), re);
		await s.done;
	}
	const script = (after: (p: Peer) => Promise<void>) => async (p: Peer) => {
		p.write('RFB 003.008\n');
		await p.read(12);
		await after(p);
		await p.closed();
	};
	const refused = await stand(script(async (p) => p.write([0, ...u32(10), ...Buffer.from('go away\x07\x1b!')])));
	await assert.rejects(RfbClient.connect({ path: refused.path }), /refused the connection: go away!$/);
	await refused.done;
	const longReason = await stand(script(async (p) => p.write([0, ...u32(0x7fffffff)])));
	await assert.rejects(RfbClient.connect({ path: longReason.path }), /reason is 2147483647 bytes long/);
	await longReason.done;
	const onlyTight = await stand(script(async (p) => p.write([2, 16, 19])));
	await assert.rejects(RfbClient.connect({ path: onlyTight.path }), /offers 16, 19/);
	await onlyTight.done;
	const hugeName = await stand(async (p) => {
		await greetNone(p);
		p.write([...u16(8), ...u16(8), ...new Array(16).fill(0), ...u32(0xfffffff0)]);
		await p.closed();
	});
	await assert.rejects(RfbClient.connect({ path: hugeName.path }), /desktop name is 4294967280 bytes/);
	await hugeName.done;
	const hugeScreen = await stand(async (p) => {
		await greetNone(p);
		p.write(serverInit(65535, 65535, 'x'));
		await p.closed();
	});
	await assert.rejects(RfbClient.connect({ path: hugeScreen.path }), /65535x65535 is larger/);
	await hugeScreen.done;
	// Nobody there.
	await assert.rejects(RfbClient.connect({ path: join(dir, 'absent.sock') }), /VNC: .*ENOENT/);
});

test('keys: US layout shifts, control characters, keysyms beyond ASCII', () => {
	assert.deepEqual(keysFor('a'), [[0x61, true], [0x61, false]]);
	assert.deepEqual(keysFor('A'), [[XK.Shift_L, true], [0x41, true], [0x41, false], [XK.Shift_L, false]]);
	assert.deepEqual(keysFor('>'), [[XK.Shift_L, true], [0x3e, true], [0x3e, false], [XK.Shift_L, false]]);
	assert.deepEqual(keysFor('\n'), [[XK.Return, true], [XK.Return, false]]);
	assert.deepEqual(keysFor('\r'), keysFor('\n'));
	assert.deepEqual(keysFor('\t'), [[XK.Tab, true], [XK.Tab, false]]);
	assert.deepEqual(keysFor('\b'), [[XK.BackSpace, true], [XK.BackSpace, false]]);
	assert.deepEqual(keysFor('\x1b'), [[XK.Escape, true], [XK.Escape, false]]);
	assert.deepEqual(keysFor('\x03'), [[XK.Control_L, true], [0x63, true], [0x63, false], [XK.Control_L, false]]);
	assert.deepEqual(keysFor('é'), [[0xe9, true], [0xe9, false]]);
	assert.deepEqual(keysFor('€'), [[0x010020ac, true], [0x010020ac, false]]);
});

test('copyRect: overlapping moves up, down and sideways', () => {
	const mk = () => ({ width: 3, height: 3, data: Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) });
	const up = mk();
	copyRect(up, 0, 1, 0, 0, 3, 2);
	assert.deepEqual([...up.data], [4, 5, 6, 7, 8, 9, 7, 8, 9]);
	const down = mk();
	copyRect(down, 0, 0, 0, 1, 3, 2);
	assert.deepEqual([...down.data], [1, 2, 3, 1, 2, 3, 4, 5, 6]);
	const right = mk();
	copyRect(right, 0, 0, 1, 0, 2, 3);
	assert.deepEqual([...right.data], [1, 1, 2, 4, 4, 5, 7, 7, 8]);
});

test('RfbMonitor: lit fraction, content hash and changes kept per update rectangle', async () => {
	const white = 0xc7c7c7;
	const s = await stand(async (p) => {
		await greetNone(p);
		p.write(serverInit(4, 2, 'm'));
		await p.read(46);
		// All black first: still a picture (not "nothing sampled yet").
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 4, 2, 0), rawPixels(new Array(8).fill(0)));
		await p.read(10);
		// Two lit pixels, then the same region sent again unchanged, then back to black.
		p.write([0, 0, ...u16(1)], rectHead(1, 0, 2, 1, 0), rawPixels([white, white]));
		await p.read(10);
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 4, 1, 0), rawPixels([0, white, white, 0]));
		await p.read(10);
		p.write([0, 0, ...u16(1)], rectHead(1, 0, 2, 1, 0), rawPixels([0, 0]));
		await p.read(10);
		p.s.end();
	});
	let t = 1000;
	const mon = new RfbMonitor({ target: { path: s.path }, now: () => t, retryMs: 3_600_000, minIntervalMs: 0 });
	const client = await new Promise<RfbClient>((r) => mon.once('rfb', r));
	const updated = () => new Promise((r) => client.once('update', r));

	await updated();
	const black = await mon.current();
	assert.deepEqual([black.samples, black.width, black.height, black.nonBlack, black.lastChange], [1, 4, 2, 0, 1000]);
	assert.equal(fbVerdict(black, 1000).code, 'black');
	t = 2000;
	await updated();
	const lit = await mon.current();
	assert.deepEqual([lit.samples, lit.nonBlack, lit.lastChange, lit.changed], [2, 2 / 8, 2000, true]);
	assert.notEqual(lit.hash, black.hash);
	assert.deepEqual(mon.thumb(4, 1), [[{ top: [0, 0, 0], bottom: [0, 0, 0] }, { top: [199, 199, 199], bottom: [0, 0, 0] }, { top: [199, 199, 199], bottom: [0, 0, 0] }, { top: [0, 0, 0], bottom: [0, 0, 0] }]]);
	assert.deepEqual([...mon.rgb()!.rgb.subarray(0, 6)], [0, 0, 0, 199, 199, 199]);
	t = 3000;
	await updated();
	const same = await mon.current();
	assert.deepEqual([same.samples, same.lastChange, same.changed], [2, 2000, false], 'pixels sent again unchanged are no change');
	t = 4000;
	await updated();
	const back = await mon.current();
	assert.deepEqual([back.samples, back.nonBlack, back.lastChange, back.changed], [3, 0, 4000, true]);
	assert.equal(back.hash, black.hash, 'the hash follows the content, not its history');
	await s.done;
	mon.close();
});

test("Apple's VNC endpoint from the helper event: 127.0.0.1, the boot's password; or the reason there is none", async () => {
	// A stand-in for Apple's private VNC server: TCP on loopback with VNC authentication.
	const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
	const server = createServer();
	const seen = new Promise<string>((resolve) => {
		server.once('connection', async (sock) => {
			const p = new Peer(sock);
			p.write('RFB 003.889\n');
			await p.read(12);
			p.write([1, 2]);
			await p.read(1);
			p.write(challenge);
			const answer = (await p.read(16)).toString('hex');
			p.write(answer === vncResponse('Zq3xW9aB', challenge).toString('hex') ? u32(0) : [...u32(1), ...u32(0)]);
			await p.read(1);
			p.write(serverInit(8, 8, 'Apple VM'));
			await p.read(46);
			p.write([0, 0, ...u16(1)], rectHead(0, 0, 8, 8, 0), rawPixels(new Array(64).fill(0x0000aa)));
			resolve(answer);
			await p.closed();
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const port = (server.address() as { port: number }).port;
	const dev = new VmDevices({ qmp: null, observe: false, control: () => {}, vnc: 'helper' });
	const before = await dev.screenOp({ fresh: true }, []);
	assert.deepEqual(before.report.verdict, { code: 'unknown', text: "waiting for the helper to start the VM's VNC server" });
	const connected = new Promise<RfbClient>((r) => dev.once('rfb', r));
	assert.equal(dev.onHelperEvent({ event: 'vnc', port, password: 'Zq3xW9aB' }), true);
	const c = await connected;
	await seen;
	assert.equal(c.name, 'Apple VM');
	assert.equal(dev.rfb, c);
	const { report } = await dev.screenOp({ fresh: true }, []);
	assert.deepEqual([report.host?.width, report.verdict.code], [8, 'updating']);
	dev.close();
	server.close();

	const failed = new VmDevices({ qmp: null, observe: false, control: () => {}, vnc: 'helper' });
	failed.onHelperEvent({ event: 'vnc', error: 'this macOS has no _VZVNCServer (a private Virtualization API)' });
	const r = await screenReport(failed.fb, null, { fresh: true });
	assert.deepEqual(r.verdict, { code: 'unknown', text: "the VM's VNC server did not start: this macOS has no _VZVNCServer (a private Virtualization API)" });
	failed.close();
});

test('RfbMonitor: reconnects after the server drops it, and says so with a new rfb event', async () => {
	const path = join(dir, `re${n++}.sock`);
	let conns = 0;
	const server = createServer(async (sock) => {
		const p = new Peer(sock);
		const k = ++conns;
		await greetNone(p);
		p.write(serverInit(2, 1, `conn ${k}`));
		await p.read(46);
		p.write([0, 0, ...u16(1)], rectHead(0, 0, 2, 1, 0), rawPixels([k === 1 ? 0xffffff : 0, 0]));
		// The first connection is dropped mid-message, as a dying server would.
		if (k === 1) {
			await p.read(10);
			sock.end(Buffer.from([0, 0]));
		}
	});
	await new Promise<void>((r) => server.listen(path, r));
	const mon = new RfbMonitor({ target: { path }, retryMs: 10, minIntervalMs: 0 });
	const names: string[] = [];
	const second = new Promise<RfbClient>((resolve) =>
		mon.on('rfb', (c: RfbClient) => {
			names.push(c.name);
			if (names.length === 2) resolve(c);
		}),
	);
	const c2 = await second;
	assert.deepEqual(names, ['conn 1', 'conn 2']);
	assert.equal(mon.client, c2);
	await new Promise((r) => (mon.state.samples >= 2 ? r(null) : c2.once('update', r)));
	assert.equal(mon.state.nonBlack, 0, 'the new connection brought a new picture');
	mon.close();
	assert.equal(mon.client, null);
	server.close();
});

test('DesktopSize in the middle of an update: rectangles before it are dropped, after it drawn on the new picture', async () => {
	const s = await stand(async (p) => {
		await greetNone(p);
		p.write(serverInit(4, 4, 'r'));
		await p.read(46);
		p.write([0, 0, ...u16(3)], rectHead(0, 0, 1, 1, 0), rawPixels([0x111111]), rectHead(0, 0, 2, 1, -223), rectHead(1, 0, 1, 1, 0), rawPixels([0x222222]));
		await p.closed();
	});
	const c = await RfbClient.connect({ path: s.path }, { minIntervalMs: 0 });
	const events: string[] = [];
	c.on('resize', (w: number, h: number) => events.push(`resize ${w}x${h}`));
	const [rects] = await nextEvent<[Rect[]]>(c, 'update');
	assert.deepEqual(events, ['resize 2x1']);
	assert.deepEqual(rects, [{ x: 1, y: 0, w: 1, h: 1 }]);
	assert.deepEqual([...c.fb.data], [0, 0x222222]);
	c.close();
	await s.done;
});
