// The client side of the daemon protocol (docs/client-protocol.md), used by every CLI
// command and the TUI. `connectDaemon()` starts the daemon when none is running: any
// command may be the first one after a reboot or after the daemon was killed, and the
// new daemon re-adopts the VMs that kept running.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo, hostname } from 'node:os';
import { encodeData, encodeJson, FrameDecoder, KIND_DATA, parseJsonPayload, PROTOCOL_VERSION } from '../common/frame.ts';
import { UserError } from '../common/errors.ts';
import { daemonSocketPath, ensurePrivateDir, runtimeDir } from '../common/paths.ts';
import type { VmInfo } from '../daemon/vm.ts';
import { currentHost, type Host } from './hosts.ts';
import { openSshLink } from './ssh.ts';

export type { VmInfo };
type Msg = Record<string, unknown>;

export interface ConnectOptions {
	/** Start the daemon if it is not running (default true). */
	autostart?: boolean;
	/** How this client is named in audit lines and viewer lists. */
	who?: string;
	/**
	 * Another machine's daemon, reached through `ssh HOST obsdtui daemon proxy`. Default:
	 * the host chosen by -H, OBSDTUI_HOST or a HOST:VM argument (hosts.ts); `null`: this machine.
	 */
	host?: Host | null;
	/** Give up (and end the ssh child) when this aborts; for `ls --all`'s per-host timeout. */
	signal?: AbortSignal;
}

/**
 * What a DaemonClient talks through: a unix socket, or an ssh child's stdin/stdout
 * (ssh.ts). `closeReason` says why it closed, for the one-line error.
 */
export interface Link {
	write(data: Buffer): boolean;
	end(): void;
	destroy(): void;
	resume(): unknown;
	on(event: 'data', cb: (chunk: Buffer) => void): unknown;
	on(event: 'error', cb: (err: Error) => void): unknown;
	on(event: 'close', cb: () => void): unknown;
	closeReason?: () => string;
}

function defaultWho(): string {
	let user = 'user';
	try {
		user = userInfo().username;
	} catch {
		// no passwd entry (containers)
	}
	const tty = process.stdin.isTTY ? 'tty' : 'script';
	return `${user}@${hostname()} (${tty}, pid ${process.pid})`;
}

function tryConnect(path: string): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const s = connect(path);
		s.once('connect', () => {
			s.removeAllListeners('error');
			resolve(s);
		});
		s.once('error', reject);
	});
}

/** Start `obsdtui daemon run` detached from this process and its terminal. */
function startDaemon(): void {
	ensurePrivateDir(runtimeDir());
	const log = openSync(join(runtimeDir(), 'daemon.log'), 'a', 0o600);
	const entry = process.argv[1];
	const child = spawn(process.execPath, [...process.execArgv, entry, 'daemon', 'run'], {
		detached: true,
		stdio: ['ignore', log, log],
		env: process.env,
	});
	child.unref();
	closeSync(log);
}

/** This machine's daemon socket, starting the daemon when it does not answer. */
export async function openDaemonSocket(opts: { autostart?: boolean } = {}): Promise<Socket> {
	const path = daemonSocketPath();
	let socket: Socket | undefined;
	try {
		socket = await tryConnect(path);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (opts.autostart === false || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) {
			throw new UserError(`cannot reach the obsdtui daemon at ${path}: ${(err as Error).message}`);
		}
		startDaemon();
		const deadline = Date.now() + 15000;
		while (!socket) {
			await new Promise((r) => setTimeout(r, 50));
			try {
				socket = await tryConnect(path);
			} catch {
				if (Date.now() > deadline) {
					throw new UserError(`the obsdtui daemon did not start; see ${join(runtimeDir(), 'daemon.log')}`);
				}
			}
		}
	}
	return socket;
}

export async function connectDaemon(opts: ConnectOptions = {}): Promise<DaemonClient> {
	const host = opts.host === undefined ? currentHost() : opts.host;
	const link: Link = host ? await openSshLink(host, opts.signal) : await openDaemonSocket(opts);
	const client = new DaemonClient(link, host?.name);
	const hello = await client.request('hello', { who: opts.who ?? defaultWho() });
	if (hello.protocol !== PROTOCOL_VERSION) {
		client.close();
		throw new UserError(
			`${host ? `${host.name}: ` : ''}protocol version mismatch: the daemon speaks ${String(hello.protocol)}, this obsdtui speaks ${PROTOCOL_VERSION} (run 'obsdtui daemon stop' there so the next command starts the installed version)`,
		);
	}
	return client;
}

/**
 * Connect again after the daemon went away, retrying while it restarts: connecting
 * starts a new daemon, which adopts the VMs that kept running. Viewers use this to
 * survive `obsdtui daemon stop` or a daemon crash.
 */
export async function reconnectDaemon(opts: ConnectOptions & { timeoutMs?: number; stop?: () => boolean } = {}): Promise<DaemonClient> {
	const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
	for (;;) {
		await new Promise((r) => setTimeout(r, 300));
		if (opts.stop?.()) throw new UserError('stopped reconnecting');
		try {
			return await connectDaemon(opts);
		} catch (err) {
			if (Date.now() > deadline) throw err;
		}
	}
}

export class DaemonClient extends EventEmitter {
	private socket: Link;
	/** The remote host's name, or undefined for this machine's daemon. */
	readonly host?: string;
	private nextId = 1;
	private pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
	private session?: ConsoleSession;
	/** Where data frames go while a read_log request streams (instead of a console). */
	private sink?: (bytes: Buffer) => void;
	private expectSnapshot = false;
	closed = false;

	constructor(socket: Link, host?: string) {
		super();
		this.socket = socket;
		this.host = host;
		const decoder = new FrameDecoder();
		socket.on('data', (chunk: Buffer) => {
			let frames;
			try {
				frames = decoder.push(chunk);
			} catch (err) {
				this.fail(new UserError(`protocol error from the daemon: ${(err as Error).message}`));
				return;
			}
			for (const f of frames) {
				if (f.kind === KIND_DATA) {
					this.onData(f.payload);
					continue;
				}
				// A JSON frame that is no object would otherwise throw out of this listener.
				let msg: Msg;
				try {
					msg = parseJsonPayload(f.payload);
				} catch (err) {
					this.fail(new UserError(`protocol error from the daemon: ${(err as Error).message}`));
					this.socket.destroy();
					return;
				}
				this.onMessage(msg);
				if (this.closed) return;
			}
		});
		socket.on('error', () => {});
		socket.on('close', () => this.fail(new UserError(socket.closeReason?.() ?? 'the obsdtui daemon closed the connection')));
		// An ssh link holds what arrived with the proxy's answer until someone listens.
		socket.resume();
	}

	private fail(err: Error): void {
		if (this.closed) return;
		this.closed = true;
		for (const p of this.pending.values()) p.reject(err);
		this.pending.clear();
		this.session?.emit('end', err.message);
		this.emit('close');
	}

	private onMessage(msg: Msg): void {
		if (typeof msg.id === 'number') {
			const p = this.pending.get(msg.id);
			if (!p) return;
			this.pending.delete(msg.id);
			if (msg.ok) p.resolve(msg);
			else p.reject(new UserError(String(msg.error ?? 'request failed')));
			return;
		}
		if (msg.event === 'vms') this.emit('vms', msg.vms as VmInfo[]);
		else if (msg.event === 'read_log_end') this.emit('read_log_end', msg);
		else if (msg.event === 'snapshot') {
			this.expectSnapshot = true;
			if (this.session) this.session.snapshotInfo = { cols: Number(msg.cols), rows: Number(msg.rows) };
		} else if (msg.event === 'error') this.fail(new UserError(String(msg.error)));
		else this.session?.onEvent(msg);
	}

	private onData(bytes: Buffer): void {
		if (this.sink) this.sink(bytes);
		else if (this.expectSnapshot) {
			this.expectSnapshot = false;
			this.session?.emit('snapshot', bytes, this.session.snapshotInfo);
		} else this.session?.emit('data', bytes);
	}

	/** Send a request; resolves with the reply, rejects with a UserError carrying the daemon's message. */
	request<T extends Msg = Msg>(op: string, args: Msg = {}): Promise<T> {
		if (this.closed) return Promise.reject(new UserError('not connected to the obsdtui daemon'));
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve: resolve as (m: Msg) => void, reject });
			this.socket.write(encodeJson({ ...args, id, op }));
		});
	}

	/**
	 * Stream a boot's console log (or glass stream) through the daemon: `onChunk` gets the
	 * bytes in order, from `offset`; with `follow` until the VM stops. Resolves with the
	 * boot number and the end offset. Not while this connection is attached to a console.
	 */
	readLog(args: { name: string; boot?: number | 'last'; glass?: boolean; offset?: number; follow?: boolean }, onChunk: (bytes: Buffer) => void): Promise<{ boot: number; end: number }> {
		if (this.session) return Promise.reject(new Error('readLog on a connection attached to a console'));
		return new Promise((resolve, reject) => {
			let boot = 0;
			const onEnd = (msg: Msg) => {
				this.sink = undefined;
				this.off('close', onClose);
				if (msg.error) reject(new UserError(String(msg.error)));
				else resolve({ boot: Number(msg.boot ?? boot), end: Number(msg.end) });
			};
			const onClose = () => {
				this.sink = undefined;
				this.off('read_log_end', onEnd);
				reject(new UserError(this.host ? `connection to ${this.host} lost while reading the log` : 'the obsdtui daemon closed the connection while reading the log'));
			};
			this.sink = onChunk;
			this.once('read_log_end', onEnd);
			this.once('close', onClose);
			this.request<{ boot: number }>('read_log', args).then(
				(r) => (boot = r.boot),
				(err: Error) => {
					this.sink = undefined;
					this.off('read_log_end', onEnd);
					this.off('close', onClose);
					reject(err);
				},
			);
		});
	}

	async ls(): Promise<VmInfo[]> {
		return (await this.request<{ vms: VmInfo[] }>('ls')).vms;
	}

	/**
	 * A console session for `name`, not yet attached: add listeners, then call
	 * `session.attach(mode)`. (The daemon may send the screen snapshot before its reply to
	 * the attach request, so listeners must exist before the request goes out.)
	 * Events: 'snapshot' (ansi: Buffer, {cols, rows}) to paint into a fresh terminal of
	 * that size, 'data' (raw guest bytes), 'event' (attach/detach/take-over/mode/state/
	 * notice/audit), 'end' (reason). One connection has one session at a time.
	 */
	console(name: string, opts: { glass?: boolean } = {}): ConsoleSession {
		this.session = new ConsoleSession(this, name, opts.glass === true);
		return this.session;
	}

	/** For callers that need no events before the reply (they read the log instead). */
	async attach(name: string, opts: { mode?: 'rw' | 'spy' | 'takeover' } = {}): Promise<ConsoleSession> {
		const session = this.console(name);
		await session.attach(opts.mode ?? 'rw');
		return session;
	}

	/** @internal */
	sendKeys(bytes: Buffer): void {
		if (!this.closed) this.socket.write(encodeData(bytes));
	}

	close(): void {
		this.closed = true;
		this.socket.end();
		this.socket.destroy();
	}
}

export class ConsoleSession extends EventEmitter {
	readonly name: string;
	/** The glass console (framebuffer read as text) instead of the serial one. */
	readonly glass: boolean;
	private client: DaemonClient;
	vm?: VmInfo;
	mode: 'rw' | 'spy' = 'rw';
	/** Whether our keys reach the guest (we hold the console's write seat). */
	writer = false;
	snapshotInfo = { cols: 80, rows: 24 };

	constructor(client: DaemonClient, name: string, glass = false) {
		super();
		this.client = client;
		this.name = name;
		this.glass = glass;
	}

	/** @internal */
	onEvent(msg: Msg): void {
		if (msg.event === 'mode') this.writer = msg.writer === true;
		if (msg.event === 'state' && (msg.state === 'exited' || msg.state === 'lost')) this.emit('exited', msg);
		this.emit('event', msg);
	}

	write(bytes: Buffer | string): void {
		this.client.sendKeys(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
	}

	/** Attach this connection to the console; resolves with the daemon's reply. */
	async attach(mode: 'rw' | 'spy' | 'takeover' = 'rw'): Promise<void> {
		const reply = await this.client.request<{ vm: VmInfo; writer: boolean; mode: 'rw' | 'spy' }>('attach', { name: this.name, mode, ...(this.glass ? { glass: true } : {}) });
		this.vm = reply.vm;
		this.writer = reply.writer;
		this.mode = reply.mode;
	}

	async takeover(): Promise<void> {
		await this.client.request('takeover');
		this.writer = true;
	}

	sendBreak(): Promise<Msg> {
		return this.client.request('break');
	}

	async detach(): Promise<void> {
		await this.client.request('detach').catch(() => undefined);
	}
}
