// The helper protocol on VMDIR/helper.sock (docs/helper-protocol.md): the same framing as
// the client protocol (u32 big-endian payload length | u8 type | payload), other types.
//
//   helper -> daemon   H hello JSON, O output (u64 BE log offset + bytes), E event JSON
//   daemon -> helper   I input, B break, A audit text, K kill ("TERM"|"KILL"), C control JSON
import { encodeFrame, FrameDecoder, FrameError, MAX_FRAME, parseJsonPayload } from '../common/frame.ts';

export const T_HELLO = 0x48;
export const T_OUTPUT = 0x4f;
export const T_EVENT = 0x45;
export const T_INPUT = 0x49;
export const T_BREAK = 0x42;
export const T_AUDIT = 0x41;
export const T_KILL = 0x4b;
export const T_CONTROL = 0x43;

export const HELPER_TYPES = [T_HELLO, T_OUTPUT, T_EVENT] as const;
export const DAEMON_TYPES = [T_INPUT, T_BREAK, T_AUDIT, T_KILL, T_CONTROL] as const;

/** The helper rejects (and disconnects on) a daemon frame larger than this. */
export const HELPER_MAX_INPUT = 1024 * 1024;

export const PROTOCOL_VERSION = 1;

export interface HelperHello {
	protocol: number;
	helper_pid: number;
	/** null for a serial source, which has no child process. */
	child_pid: number | null;
	source: 'qemu' | 'exec' | 'serial' | 'apple';
	boot: number;
	/** Absolute path of this boot's log. */
	log: string;
	/** Bytes in the log when the hello was sent; the first O frame starts at or after it. */
	log_size: number;
	started_ms: number;
	running: boolean;
}

/** The client protocol's decoder, limited to one side's helper frame types. */
export class TypedFrameDecoder extends FrameDecoder {
	constructor(types: readonly number[], max = MAX_FRAME) {
		super(types, max);
	}
}

export function parseHello(payload: Buffer): HelperHello {
	const o = parseJsonPayload(payload);
	const num = (k: string) => {
		if (typeof o[k] !== 'number' || !Number.isSafeInteger(o[k])) throw new FrameError(`helper hello: '${k}' is not a number`);
		return o[k] as number;
	};
	if (o.protocol !== PROTOCOL_VERSION) throw new FrameError(`helper speaks protocol ${String(o.protocol)}, not ${PROTOCOL_VERSION}`);
	if (o.source !== 'qemu' && o.source !== 'exec' && o.source !== 'serial' && o.source !== 'apple') throw new FrameError(`helper hello: unknown source ${String(o.source)}`);
	if (typeof o.log !== 'string' || typeof o.running !== 'boolean') throw new FrameError('helper hello: missing log or running');
	return {
		protocol: PROTOCOL_VERSION,
		helper_pid: num('helper_pid'),
		child_pid: o.child_pid === null ? null : num('child_pid'),
		source: o.source,
		boot: num('boot'),
		log: o.log,
		log_size: num('log_size'),
		started_ms: num('started_ms'),
		running: o.running,
	};
}

export function parseOutput(payload: Buffer): { offset: number; bytes: Buffer } {
	if (payload.length < 8) throw new FrameError('output frame without an offset');
	const offset = Number(payload.readBigUInt64BE(0));
	return { offset, bytes: payload.subarray(8) };
}

export function encodeOutput(offset: number, bytes: Buffer): Buffer {
	const head = Buffer.allocUnsafe(8);
	head.writeBigUInt64BE(BigInt(offset));
	return encodeFrame(T_OUTPUT, Buffer.concat([head, bytes]));
}

export function encodeHello(hello: HelperHello): Buffer {
	return encodeFrame(T_HELLO, JSON.stringify(hello));
}

export function encodeEvent(ev: Record<string, unknown>): Buffer {
	return encodeFrame(T_EVENT, JSON.stringify(ev));
}

/** Input split so that no frame exceeds the helper's limit. */
export function encodeInput(bytes: Buffer): Buffer {
	const step = 64 * 1024;
	if (bytes.length <= step) return encodeFrame(T_INPUT, bytes);
	const frames: Buffer[] = [];
	for (let i = 0; i < bytes.length; i += step) frames.push(encodeFrame(T_INPUT, bytes.subarray(i, i + step)));
	return Buffer.concat(frames);
}

export function encodeBreak(): Buffer {
	return encodeFrame(T_BREAK, Buffer.alloc(0));
}

/** Audit text is one index line: the helper turns CR/LF into spaces; keep it short here. */
export function encodeAudit(text: string): Buffer {
	return encodeFrame(T_AUDIT, text.slice(0, 2000));
}

export function encodeKill(sig: 'TERM' | 'KILL'): Buffer {
	return encodeFrame(T_KILL, sig);
}

export function encodeControl(cmd: { cmd: string } & Record<string, unknown>): Buffer {
	return encodeFrame(T_CONTROL, JSON.stringify(cmd));
}
