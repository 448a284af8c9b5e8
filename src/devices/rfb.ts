// A small RFB (VNC) 3.8 client, RFC 6143: the daemon's one way to see a VM's framebuffer,
// for QEMU (`-vnc unix:VMDIR/vnc.sock`) and for Apple's private VNC server (TCP on
// 127.0.0.1 with VNC authentication). No maintained npm client fits, and the part needed
// here is small: Raw, CopyRect and DesktopSize over a local socket, keys, no pointer.
//
// The server is hostile input like any guest output: every length it sends is bounded
// before anything is allocated or skipped, rectangles must lie inside the framebuffer,
// and anything we cannot decode closes the connection with a one-line error ('close'
// with an Error), never an exception out of a socket callback.
import { EventEmitter } from 'node:events';
import { createCipheriv } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import type { Pixels, Rect } from '../glass/types.ts';
import { XK, bytesToStrokes, strokeEvents } from '../glass/keys.ts';

/** Encodings we ask for (RFC 6143 7.7): no compression, the socket is local. */
export const ENC_RAW = 0;
export const ENC_COPYRECT = 1;
export const ENC_DESKTOP_SIZE = -223;

/** Largest framebuffer we accept: 8K UHD (132 MB as 32-bit pixels) and no side over 8192. */
export const MAX_SIDE = 8192;
export const MAX_PIXELS = 7680 * 4320;
/** Bounds for the server's strings: a desktop name, a failure reason, clipboard text. */
export const MAX_NAME = 4096;
export const MAX_REASON = 4096;
export const MAX_CUT_TEXT = 1 << 20;
/** Stop reading the socket while this much is buffered and not yet decoded. */
const HIGH_WATER = 4 << 20;
/** Raw pixel data is read in pieces of about this size, not as one rectangle-sized buffer. */
const RAW_PIECE = 64 << 10;

export { XK };

export type RfbTarget = { path: string } | { host: string; port: number };

export interface RfbOptions {
	/** For VNC authentication (security type 2); only the first 8 bytes count (RFC 6143 7.2.2). */
	password?: string;
	/** Hang guard for connecting and the handshake (default 10 s). */
	timeoutMs?: number;
	/** At most one update request per this many ms (default 50): bounds our CPU, not the server's. */
	minIntervalMs?: number;
}

export class RfbError extends Error {}

/** DES key bytes for VNC authentication: the password, zero-padded to 8, each byte bit-reversed. */
export function vncKey(password: string): Buffer {
	const key = Buffer.alloc(8);
	Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
	for (let i = 0; i < 8; i++) {
		let b = key[i];
		let r = 0;
		for (let j = 0; j < 8; j++) {
			r = (r << 1) | (b & 1);
			b >>= 1;
		}
		key[i] = r;
	}
	return key;
}

/**
 * The answer to a VNC authentication challenge: the 16 bytes DES-ECB encrypted. Node's
 * OpenSSL 3 has no single DES, but triple DES with the key three times is single DES.
 */
export function vncResponse(password: string, challenge: Buffer): Buffer {
	const k = vncKey(password);
	const c = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
	c.setAutoPadding(false);
	return Buffer.concat([c.update(challenge), c.final()]);
}

/** Buffers socket bytes and hands out exactly n of them; one reader at a time. */
class ByteQueue {
	private chunks: Buffer[] = [];
	private head = 0;
	length = 0;
	private want?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
	private error?: Error;

	constructor(private onLow: () => void) {}

	push(b: Buffer): void {
		this.chunks.push(b);
		this.length += b.length;
		this.serve();
	}

	fail(e: Error): void {
		this.error ??= e;
		const w = this.want;
		this.want = undefined;
		w?.reject(this.error);
	}

	read(n: number): Promise<Buffer> {
		if (this.error) return Promise.reject(this.error);
		return new Promise((resolve, reject) => {
			this.want = { n, resolve, reject };
			this.serve();
		});
	}

	private serve(): void {
		const w = this.want;
		if (!w || this.length < w.n) return;
		this.want = undefined;
		w.resolve(this.take(w.n));
		if (this.length < HIGH_WATER) this.onLow();
	}

	private take(n: number): Buffer {
		const first = this.chunks[0];
		if (first && first.length - this.head >= n) {
			const out = first.subarray(this.head, this.head + n);
			this.head += n;
			if (this.head === first.length) {
				this.chunks.shift();
				this.head = 0;
			}
			this.length -= n;
			return out;
		}
		const out = Buffer.allocUnsafe(n);
		let at = 0;
		while (at < n) {
			const c = this.chunks[0];
			const k = Math.min(n - at, c.length - this.head);
			c.copy(out, at, this.head, this.head + k);
			at += k;
			this.head += k;
			if (this.head === c.length) {
				this.chunks.shift();
				this.head = 0;
			}
		}
		this.length -= n;
		return out;
	}
}

/** A server string: bounded, decoded as UTF-8, control characters dropped (it may be shown). */
function clean(b: Buffer): string {
	return b.toString('utf8').replace(/[\x00-\x1f\x7f-\x9f]/g, '');
}

function checkSize(w: number, h: number): void {
	if (w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS) throw new RfbError(`VNC: framebuffer ${w}x${h} is larger than ${MAX_SIDE} pixels a side or 8K in all`);
}

function newPixels(w: number, h: number): Pixels {
	return { width: w, height: h, data: new Uint32Array(w * h) };
}

export class RfbClient extends EventEmitter {
	name = '';
	/** Always the current picture; replaced (a new object) on a DesktopSize change. */
	fb: Pixels = newPixels(0, 0);
	private socket: Socket;
	private q: ByteQueue;
	private minIntervalMs: number;
	private lastRequest = 0;
	private requestTimer?: NodeJS.Timeout;
	private closed = false;

	private constructor(socket: Socket, minIntervalMs: number) {
		super();
		this.socket = socket;
		this.minIntervalMs = minIntervalMs;
		this.q = new ByteQueue(() => {
			if (this.socket.isPaused()) this.socket.resume();
		});
		socket.on('data', (b: Buffer) => {
			this.q.push(b);
			if (this.q.length >= HIGH_WATER) socket.pause();
		});
		socket.on('error', (e) => this.fail(new RfbError(`VNC: ${e.message}`)));
		socket.on('close', () => this.fail(new RfbError('VNC: the server closed the connection')));
	}

	/** Connect, authenticate and read the first full picture's size; rejects with RfbError. */
	static connect(target: RfbTarget, opts: RfbOptions = {}): Promise<RfbClient> {
		const socket = 'path' in target ? createConnection(target.path) : createConnection(target.port, target.host);
		socket.setNoDelay(true);
		const c = new RfbClient(socket, opts.minIntervalMs ?? 50);
		const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => c.fail(new RfbError(`VNC: no handshake from ${where} within ${(opts.timeoutMs ?? 10_000) / 1000} s`)), opts.timeoutMs ?? 10_000);
			c.handshake(opts.password).then(
				() => {
					clearTimeout(timer);
					resolve(c);
					void c.run();
				},
				(e: Error) => {
					clearTimeout(timer);
					c.fail(e);
					reject(e instanceof RfbError ? e : new RfbError(`VNC: ${e.message}`));
				},
			);
		});
	}

	get isClosed(): boolean {
		return this.closed;
	}

	/** Close with an error: the socket goes, 'close' tells why, pending reads fail. */
	private fail(e: Error): void {
		if (this.closed) return;
		this.closed = true;
		clearTimeout(this.requestTimer);
		this.q.fail(e);
		this.socket.destroy();
		this.emit('close', e);
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		clearTimeout(this.requestTimer);
		this.q.fail(new RfbError('VNC: closed'));
		this.socket.destroy();
		this.emit('close');
	}

	private async reason(): Promise<string> {
		const n = (await this.q.read(4)).readUInt32BE(0);
		if (n > MAX_REASON) throw new RfbError(`VNC: the server's reason is ${n} bytes long (over ${MAX_REASON})`);
		return clean(await this.q.read(n));
	}

	private async handshake(password?: string): Promise<void> {
		const version = (await this.q.read(12)).toString('latin1');
		const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(version);
		if (!m) throw new RfbError(`VNC: not an RFB server (it said ${JSON.stringify(version)})`);
		const major = Number(m[1]);
		const minor = Number(m[2]);
		// 3.8 or anything newer that still speaks it (Apple's servers say 3.889).
		if (major !== 3 || minor < 8) throw new RfbError(`VNC: the server speaks RFB ${major}.${minor}; obsdtui needs 3.8`);
		this.socket.write('RFB 003.008\n');

		const count = (await this.q.read(1))[0];
		if (count === 0) throw new RfbError(`VNC: the server refused the connection: ${await this.reason()}`);
		const types = [...(await this.q.read(count))];
		let type: number;
		if (types.includes(1) && password === undefined) type = 1;
		else if (types.includes(2) && password !== undefined) type = 2;
		else if (types.includes(1)) type = 1;
		else if (types.includes(2)) throw new RfbError('VNC: the server wants a password (VNC authentication) and none was given');
		else throw new RfbError(`VNC: no security type we support (the server offers ${types.join(', ')}; we speak 1 None and 2 VNC authentication)`);
		this.socket.write(Buffer.from([type]));
		if (type === 2) {
			const challenge = await this.q.read(16);
			this.socket.write(vncResponse(password!, challenge));
		}
		// 3.8 sends a SecurityResult for None too.
		const result = (await this.q.read(4)).readUInt32BE(0);
		if (result !== 0) {
			const why = await this.reason().catch(() => '');
			throw new RfbError(type === 2 ? `VNC: authentication failed (wrong password?)${why ? `: ${why}` : ''}` : `VNC: the server refused us${why ? `: ${why}` : ''}`);
		}

		this.socket.write(Buffer.from([1])); // ClientInit: shared, other viewers stay connected
		const init = await this.q.read(24);
		const w = init.readUInt16BE(0);
		const h = init.readUInt16BE(2);
		const nameLen = init.readUInt32BE(20);
		checkSize(w, h);
		if (nameLen > MAX_NAME) throw new RfbError(`VNC: the desktop name is ${nameLen} bytes long (over ${MAX_NAME})`);
		this.name = clean(await this.q.read(nameLen));
		this.fb = newPixels(w, h);

		// 32 bpp, depth 24, little-endian, true colour, 8 bits a channel at 16/8/0: each
		// pixel's bytes are B G R x, i.e. 0x00RRGGBB read as a little-endian u32.
		const pf = Buffer.alloc(20);
		pf[0] = 0; // SetPixelFormat
		pf.set([32, 24, 0, 1], 4);
		pf.writeUInt16BE(255, 8);
		pf.writeUInt16BE(255, 10);
		pf.writeUInt16BE(255, 12);
		pf.set([16, 8, 0], 14);
		const encs = [ENC_COPYRECT, ENC_RAW, ENC_DESKTOP_SIZE];
		const se = Buffer.alloc(4 + 4 * encs.length);
		se[0] = 2; // SetEncodings
		se.writeUInt16BE(encs.length, 2);
		encs.forEach((e, i) => se.writeInt32BE(e, 4 + 4 * i));
		this.socket.write(Buffer.concat([pf, se]));
		this.request(false);
	}

	/** A FramebufferUpdateRequest for the whole screen. */
	private request(incremental: boolean): void {
		if (this.closed) return;
		const b = Buffer.alloc(10);
		b[0] = 3;
		b[1] = incremental ? 1 : 0;
		b.writeUInt16BE(this.fb.width, 6);
		b.writeUInt16BE(this.fb.height, 8);
		this.lastRequest = Date.now();
		this.socket.write(b);
	}

	/** The next incremental request, no sooner than minIntervalMs after the last one. */
	private requestLater(incremental: boolean): void {
		const wait = this.lastRequest + this.minIntervalMs - Date.now();
		if (wait <= 0) return this.request(incremental);
		clearTimeout(this.requestTimer);
		this.requestTimer = setTimeout(() => this.request(incremental), wait);
	}

	private async run(): Promise<void> {
		try {
			for (;;) {
				const type = (await this.q.read(1))[0];
				if (type === 0) await this.update();
				else if (type === 1) {
					// SetColourMapEntries: only for colour-map formats; ours is true colour.
					const h = await this.q.read(5);
					await this.skip(h.readUInt16BE(3) * 6);
				} else if (type === 2) this.emit('bell');
				else if (type === 3) {
					const h = await this.q.read(7);
					const n = h.readUInt32BE(3);
					if (n > MAX_CUT_TEXT) throw new RfbError(`VNC: server cut text of ${n} bytes (over ${MAX_CUT_TEXT})`);
					await this.skip(n);
				} else throw new RfbError(`VNC: unknown server message type ${type}`);
			}
		} catch (e) {
			this.fail(e instanceof RfbError ? e : new RfbError(`VNC: ${(e as Error).message}`));
		}
	}

	private async skip(n: number): Promise<void> {
		while (n > 0) {
			const k = Math.min(n, RAW_PIECE);
			await this.q.read(k);
			n -= k;
		}
	}

	private async update(): Promise<void> {
		const count = (await this.q.read(3)).readUInt16BE(1);
		const rects: Rect[] = [];
		let resized = false;
		for (let i = 0; i < count; i++) {
			const r = await this.q.read(12);
			const x = r.readUInt16BE(0);
			const y = r.readUInt16BE(2);
			const w = r.readUInt16BE(4);
			const h = r.readUInt16BE(6);
			const enc = r.readInt32BE(8);
			if (enc === ENC_DESKTOP_SIZE) {
				checkSize(w, h);
				this.fb = newPixels(w, h);
				resized = true;
				// Rectangles before it were drawn on the old picture, which is gone.
				rects.length = 0;
				continue;
			}
			const fb = this.fb;
			if (x + w > fb.width || y + h > fb.height) {
				throw new RfbError(`VNC: rectangle ${w}x${h}+${x}+${y} lies outside the ${fb.width}x${fb.height} framebuffer`);
			}
			if (enc === ENC_RAW) {
				await this.raw(x, y, w, h);
				rects.push({ x, y, w, h });
			} else if (enc === ENC_COPYRECT) {
				const s = await this.q.read(4);
				const sx = s.readUInt16BE(0);
				const sy = s.readUInt16BE(2);
				if (sx + w > fb.width || sy + h > fb.height) {
					throw new RfbError(`VNC: CopyRect source ${w}x${h}+${sx}+${sy} lies outside the ${fb.width}x${fb.height} framebuffer`);
				}
				copyRect(fb, sx, sy, x, y, w, h);
				rects.push({ x, y, w, h, from: { x: sx, y: sy } });
			} else throw new RfbError(`VNC: the server used encoding ${enc}, which we did not ask for`);
		}
		if (resized) {
			this.emit('resize', this.fb.width, this.fb.height);
			// The old picture is gone: ask for all of the new one.
			this.requestLater(false);
		} else this.requestLater(true);
		if (rects.length) this.emit('update', rects);
	}

	private async raw(x: number, y: number, w: number, h: number): Promise<void> {
		const { data, width } = this.fb;
		const rowBytes = w * 4;
		// Whole rows at a time, about RAW_PIECE bytes per read.
		const rowsPerRead = Math.max(1, Math.floor(RAW_PIECE / Math.max(1, rowBytes)));
		for (let row = 0; row < h; ) {
			const n = Math.min(rowsPerRead, h - row);
			if (rowBytes === 0) break;
			const b = await this.q.read(n * rowBytes);
			for (let k = 0; k < n; k++) {
				let o = (y + row + k) * width + x;
				const end = (k + 1) * rowBytes;
				for (let j = k * rowBytes; j < end; j += 4) data[o++] = b[j] | (b[j + 1] << 8) | (b[j + 2] << 16);
			}
			row += n;
		}
	}

	keyEvent(keysym: number, down: boolean): void {
		if (this.closed) return;
		const b = Buffer.alloc(8);
		b[0] = 4;
		b[1] = down ? 1 : 0;
		b.writeUInt32BE(keysym >>> 0, 4);
		this.socket.write(b);
	}

	/** Type text as key presses on a US layout (src/glass/keys.ts). */
	typeText(text: string): void {
		for (const [k, down] of strokeEvents(bytesToStrokes(text))) this.keyEvent(k, down);
	}

	/** Press keys down in order and release them in reverse: Ctrl+Alt+Esc is the glass BREAK. */
	pressCombo(keysyms: number[]): void {
		for (const k of keysyms) this.keyEvent(k, true);
		for (const k of [...keysyms].reverse()) this.keyEvent(k, false);
	}
}

/** Move a w x h block from (sx, sy) to (dx, dy) in place, overlapping or not. */
export function copyRect(fb: Pixels, sx: number, sy: number, dx: number, dy: number, w: number, h: number): void {
	const { data, width } = fb;
	// Moving down: copy the bottom row first so no source row is overwritten before it is read.
	const down = dy > sy;
	for (let i = 0; i < h; i++) {
		const r = down ? h - 1 - i : i;
		const from = (sy + r) * width + sx;
		data.copyWithin((dy + r) * width + dx, from, from + w);
	}
}
