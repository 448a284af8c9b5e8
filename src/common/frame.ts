// Length-prefixed frames, used on the daemon <-> client socket (docs/client-protocol.md).
//
//   u32 big-endian payload length | u8 kind | payload
//
// kind 'J' (0x4a): a JSON object (UTF-8). kind 'D' (0x44): raw console bytes.
// A frame larger than MAX_FRAME is a protocol error: the peer is misbehaving or is not
// speaking this protocol at all, and the connection is closed after an error message.
export const KIND_JSON = 0x4a;
export const KIND_DATA = 0x44;
export const MAX_FRAME = 16 * 1024 * 1024;

/**
 * The client protocol's version: the daemon's reply to `hello` carries it, and the first
 * lines `obsdtui daemon proxy` and its client exchange over ssh carry it (PROXY_MAGIC).
 * Bump it when a change would make an older peer misread frames or ops.
 */
export const PROTOCOL_VERSION = 1;

/**
 * Over ssh, before any frame: the client writes `obsdtui-proxy V\n`; the proxy answers
 * `obsdtui-proxy V ok\n` or `obsdtui-proxy V error MESSAGE\n` (docs/client-protocol.md).
 */
export const PROXY_MAGIC = 'obsdtui-proxy';

/** The proxy's answer line, parsed; null when `line` is not one (a login script's chatter). */
export function parseProxyLine(line: string): { version: number; ok: boolean; error?: string } | null {
	const m = /^obsdtui-proxy (\d+) (ok|error)(?: (.*))?$/.exec(line.replace(/\r$/, ''));
	if (!m) return null;
	return { version: Number(m[1]), ok: m[2] === 'ok', ...(m[2] === 'error' ? { error: m[3] ?? 'refused' } : {}) };
}

export interface Frame {
	kind: number;
	payload: Buffer;
}

export class FrameError extends Error {}

export function encodeFrame(kind: number, payload: Buffer | string): Buffer {
	const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
	const head = Buffer.allocUnsafe(5);
	head.writeUInt32BE(body.length, 0);
	head[4] = kind;
	return Buffer.concat([head, body]);
}

export function encodeJson(msg: object): Buffer {
	return encodeFrame(KIND_JSON, JSON.stringify(msg));
}

export function encodeData(bytes: Buffer): Buffer {
	return encodeFrame(KIND_DATA, bytes);
}

/**
 * Accumulates stream chunks and yields whole frames. Throws FrameError on garbage: a
 * kind not in `kinds` (default: the client protocol's) or a length over `max`. The helper
 * protocol uses the same framing with its own kinds (src/helper/protocol.ts).
 */
export class FrameDecoder {
	private chunks: Buffer[] = [];
	private length = 0;

	constructor(
		private readonly kinds: readonly number[] = [KIND_JSON, KIND_DATA],
		private readonly max = MAX_FRAME,
	) {}

	push(chunk: Buffer): Frame[] {
		this.chunks.push(chunk);
		this.length += chunk.length;
		const frames: Frame[] = [];
		while (this.length >= 5) {
			// The header may itself be split; join only what a frame needs, once it is all
			// here (a big frame arriving in many reads is not copied again on every read).
			if (this.chunks[0].length < 5) this.chunks = [Buffer.concat(this.chunks)];
			const head = this.chunks[0];
			const len = head.readUInt32BE(0);
			const kind = head[4];
			if (!this.kinds.includes(kind)) throw new FrameError(`unknown frame kind 0x${kind.toString(16)}`);
			if (len > this.max) throw new FrameError(`frame of ${len} bytes exceeds the ${this.max}-byte limit`);
			if (this.length < 5 + len) break;
			const buf = head.length >= 5 + len ? head : Buffer.concat(this.chunks);
			frames.push({ kind, payload: buf.subarray(5, 5 + len) });
			const rest = buf.subarray(5 + len);
			if (buf === head) this.chunks[0] = rest;
			else this.chunks = [rest];
			if (!this.chunks[0].length) this.chunks.shift();
			this.length -= 5 + len;
		}
		return frames;
	}
}

/** Parse a JSON frame payload into an object, or throw FrameError. */
export function parseJsonPayload(payload: Buffer): Record<string, unknown> {
	let value: unknown;
	try {
		value = JSON.parse(payload.toString('utf8'));
	} catch {
		throw new FrameError('malformed JSON in frame');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FrameError('JSON frame is not an object');
	return value as Record<string, unknown>;
}
