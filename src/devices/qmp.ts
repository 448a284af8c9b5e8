// A QMP client over QEMU's unix socket. The daemon holds the only connection per VM
// (QEMU serves one client per monitor), so everything else asks the daemon.
//
// QMP is line-delimited JSON: a greeting, then `qmp_capabilities`, then requests
// answered in order by `{"return"|"error", "id"}` with asynchronous `{"event"}` lines
// interleaved. Requests carry an id so a late answer can never be matched to the wrong
// caller.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { UserError } from '../common/errors.ts';

export interface QmpEvent {
	event: string;
	data?: Record<string, unknown>;
	timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends UserError {
	readonly errorClass: string;
	constructor(command: string, errorClass: string, desc: string) {
		super(`qmp ${command}: ${desc}`);
		this.errorClass = errorClass;
	}
}

interface Pending {
	command: string;
	resolve: (v: unknown) => void;
	reject: (e: Error) => void;
}

export interface QmpOptions {
	/** Hang guard for connecting and for the greeting. */
	timeoutMs?: number;
}

export class Qmp extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
	readonly version: string;
	private sock: Socket;
	private buf = '';
	private nextId = 1;
	private pending = new Map<string, Pending>();
	private closed = false;

	private constructor(sock: Socket, version: string, rest: string) {
		super();
		this.sock = sock;
		this.version = version;
		this.buf = rest;
		sock.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
		sock.on('error', () => {});
		sock.on('close', () => this.onClose());
		if (rest) this.onData('');
	}

	static async connect(path: string, opts: QmpOptions = {}): Promise<Qmp> {
		const timeoutMs = opts.timeoutMs ?? 5000;
		const { sock, greeting, rest } = await new Promise<{ sock: Socket; greeting: string; rest: string }>(
			(resolve, reject) => {
				const sock = connect(path);
				let buf = '';
				const fail = (msg: string) => {
					clearTimeout(timer);
					sock.destroy();
					reject(new UserError(`qmp ${path}: ${msg}`));
				};
				const timer = setTimeout(() => fail('no greeting from QEMU'), timeoutMs);
				sock.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? 'QEMU is not listening' : e.message));
				sock.on('close', () => fail('closed before the greeting'));
				const onData = (d: Buffer) => {
					buf += d.toString('utf8');
					const nl = buf.indexOf('\n');
					if (nl < 0) return;
					clearTimeout(timer);
					sock.removeAllListeners();
					sock.pause();
					resolve({ sock, greeting: buf.slice(0, nl), rest: buf.slice(nl + 1) });
				};
				sock.on('data', onData);
			},
		);
		let version = 'unknown';
		try {
			const g = JSON.parse(greeting) as { QMP?: { version?: { qemu?: { major: number; minor: number; micro: number } } } };
			if (!g.QMP) throw new Error('not a QMP greeting');
			const v = g.QMP.version?.qemu;
			if (v) version = `${v.major}.${v.minor}.${v.micro}`;
		} catch {
			sock.destroy();
			throw new UserError(`qmp ${path}: not a QMP socket`);
		}
		const qmp = new Qmp(sock, version, rest);
		sock.resume();
		await qmp.execute('qmp_capabilities');
		return qmp;
	}

	execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
		if (this.closed) return Promise.reject(new UserError(`qmp ${command}: connection closed`));
		const id = `obsdtui-${this.nextId++}`;
		const msg: Record<string, unknown> = { execute: command, id };
		if (args) msg.arguments = args;
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
			this.sock.write(JSON.stringify(msg) + '\n');
		});
	}

	get isClosed(): boolean {
		return this.closed;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		await new Promise<void>((resolve) => {
			this.sock.once('close', () => resolve());
			this.sock.end();
			// A peer that never closes its side must not keep us waiting.
			setTimeout(() => this.sock.destroy(), 1000).unref();
		});
	}

	private onData(chunk: string): void {
		this.buf += chunk;
		let nl: number;
		while ((nl = this.buf.indexOf('\n')) >= 0) {
			const line = this.buf.slice(0, nl).trim();
			this.buf = this.buf.slice(nl + 1);
			if (line) this.onLine(line);
		}
	}

	private onLine(line: string): void {
		let msg: Record<string, unknown>;
		try {
			msg = JSON.parse(line) as Record<string, unknown>;
		} catch {
			return;
		}
		if (typeof msg.event === 'string') {
			this.emit('event', msg as unknown as QmpEvent);
			return;
		}
		const id = typeof msg.id === 'string' ? msg.id : undefined;
		const p = id ? this.pending.get(id) : undefined;
		if (!p || !id) return;
		this.pending.delete(id);
		if ('error' in msg) {
			const e = msg.error as { class?: string; desc?: string };
			p.reject(new QmpError(p.command, e.class ?? 'GenericError', (e.desc ?? 'failed').split('\n')[0]));
		} else {
			p.resolve(msg.return);
		}
	}

	private onClose(): void {
		if (this.closed) return;
		this.closed = true;
		for (const p of this.pending.values()) p.reject(new UserError(`qmp ${p.command}: QEMU closed the connection`));
		this.pending.clear();
		this.emit('close');
	}
}
