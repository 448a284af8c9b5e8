// The daemon's end of one helper connection (docs/helper-protocol.md).
//
// Events, all emitted after connect() resolved, in this order:
//   'hello'(hello)          once, first
//   'output'(offset, bytes) console bytes at that log offset; a jump means the helper dropped
//                           queued output and the gap is in the log file
//   'event'(ev)             helper events: started, exited, error, break_unsupported, ...
//   'close'()               the helper went away or the connection was dropped
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { UserError, errorMessage } from '../common/errors.ts';
import { parseJsonPayload, type Frame } from '../common/frame.ts';
import {
	HELPER_TYPES, T_EVENT, T_HELLO, T_OUTPUT, TypedFrameDecoder, encodeAudit, encodeBreak, encodeControl, encodeInput, encodeKill,
	parseHello, parseOutput, type HelperHello,
} from './protocol.ts';

export type { HelperHello } from './protocol.ts';

const RETRY_MS = 50;

function connectOnce(path: string): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const s = createConnection(path);
		s.once('connect', () => {
			s.removeAllListeners('error');
			resolve(s);
		});
		s.once('error', reject);
	});
}

export class HelperConnection extends EventEmitter {
	/** Set before connect() resolves. */
	hello!: HelperHello;
	/** Why the connection closed, if it was not a clean end. */
	error?: Error;
	private decoder = new TypedFrameDecoder(HELPER_TYPES);
	private closed = false;

	private constructor(private readonly socket: Socket) {
		super();
	}

	/**
	 * Connect to VMDIR/helper.sock, retrying while the helper is starting, and wait for its
	 * hello. A new connection replaces any other daemon's connection to that helper.
	 */
	static async connect(vmDir: string, timeoutMs = 5000): Promise<HelperConnection> {
		const path = join(vmDir, 'helper.sock');
		const deadline = Date.now() + timeoutMs;
		let socket: Socket;
		for (;;) {
			try {
				socket = await connectOnce(path);
				break;
			} catch (e) {
				const code = (e as NodeJS.ErrnoException).code;
				if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() >= deadline) {
					throw new UserError(`cannot connect to the helper at ${path}: ${errorMessage(e)}`);
				}
				await new Promise((r) => setTimeout(r, RETRY_MS));
			}
		}
		const conn = new HelperConnection(socket);
		await conn.waitHello(path, Math.max(deadline - Date.now(), 1000));
		return conn;
	}

	private waitHello(path: string, timeoutMs: number): Promise<void> {
		const s = this.socket;
		return new Promise((resolve, reject) => {
			const fail = (msg: string) => {
				clearTimeout(timer);
				s.removeAllListeners('data');
				s.destroy();
				reject(new UserError(`the helper at ${path}: ${msg}`));
			};
			const timer = setTimeout(() => fail('no hello'), timeoutMs);
			s.once('close', () => fail('closed before its hello'));
			s.on('error', () => {});
			s.on('data', (chunk: Buffer) => {
				let frames: Frame[];
				try {
					frames = this.decoder.push(chunk);
				} catch (e) {
					fail(errorMessage(e));
					return;
				}
				if (!frames.length) return;
				const [first, ...rest] = frames;
				if (first.kind !== T_HELLO) return fail('first frame is not a hello');
				try {
					this.hello = parseHello(first.payload);
				} catch (e) {
					return fail(errorMessage(e));
				}
				clearTimeout(timer);
				s.pause();
				s.removeAllListeners('data');
				s.removeAllListeners('close');
				resolve();
				// The caller attaches its listeners after `await connect()`: emit only after
				// that continuation ran, and the frames after the hello after the hello's own.
				setImmediate(() => {
					this.emit('hello', this.hello);
					setImmediate(() => this.start(rest));
				});
			});
		});
	}

	private start(pending: Frame[]): void {
		const s = this.socket;
		if (!this.dispatch(pending)) return;
		if (s.destroyed) {
			this.onClose();
			return;
		}
		s.on('close', () => this.onClose());
		s.on('data', (chunk: Buffer) => {
			let frames: Frame[];
			try {
				frames = this.decoder.push(chunk);
			} catch (e) {
				this.fail(e as Error);
				return;
			}
			this.dispatch(frames);
		});
		s.resume();
	}

	private dispatch(frames: Frame[]): boolean {
		// Output frames that follow on from each other in one read go out as one 'output':
		// the daemon's work per chunk (parser, screen, one frame per viewer) is then paid
		// once per read, not once per small console read of the helper.
		let run: Buffer[] = [];
		let runOffset = 0;
		let runEnd = 0;
		const flush = () => {
			if (!run.length) return;
			const bytes = run.length === 1 ? run[0] : Buffer.concat(run);
			run = [];
			this.emit('output', runOffset, bytes);
		};
		for (const f of frames) {
			if (this.closed) return false;
			try {
				if (f.kind === T_OUTPUT) {
					const { offset, bytes } = parseOutput(f.payload);
					if (run.length && offset !== runEnd) flush();
					if (!run.length) runOffset = offset;
					run.push(bytes);
					runEnd = offset + bytes.length;
				} else if (f.kind === T_EVENT) {
					flush();
					if (this.closed) return false;
					this.emit('event', parseJsonPayload(f.payload));
				} else {
					throw new Error('a second hello');
				}
			} catch (e) {
				this.fail(e as Error);
				return false;
			}
		}
		try {
			if (!this.closed) flush();
		} catch (e) {
			this.fail(e as Error);
			return false;
		}
		return true;
	}

	private fail(e: Error): void {
		this.error = e;
		this.socket.destroy();
		this.onClose();
	}

	private onClose(): void {
		if (this.closed) return;
		this.closed = true;
		this.emit('close');
	}

	get isClosed(): boolean {
		return this.closed;
	}

	private send(frame: Buffer): void {
		if (!this.closed && !this.socket.destroyed) this.socket.write(frame);
	}

	/** Bytes for the console (keystrokes, `send` text). */
	input(bytes: Buffer): void {
		this.send(encodeInput(bytes));
	}

	sendBreak(): void {
		this.send(encodeBreak());
	}

	/** One line for the boot index, at the current log offset. */
	audit(text: string): void {
		this.send(encodeAudit(text));
	}

	kill(sig: 'TERM' | 'KILL'): void {
		this.send(encodeKill(sig));
	}

	/** A control command; replies and errors come back as 'event's. */
	control(cmd: { cmd: string } & Record<string, unknown>): void {
		this.send(encodeControl(cmd));
	}

	close(): void {
		this.socket.end();
		this.socket.destroy();
		this.onClose();
	}
}
