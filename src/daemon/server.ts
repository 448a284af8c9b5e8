// The daemon's listening socket and the client protocol (docs/client-protocol.md).
//
// Each connection sends requests `{"id", "op", ...}` and gets `{"id", "ok": true, ...}`
// or `{"id", "ok": false, "error"}`. A connection may attach to one console at a time;
// it then receives console bytes as data frames and may send keys as data frames.
// A misbehaving client (garbage, unknown ops, huge frames) gets an error and, for
// framing errors, is disconnected; the daemon and everyone else carry on.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { encodeJson, FrameDecoder, FrameError, KIND_DATA, parseJsonPayload, PROTOCOL_VERSION } from '../common/frame.ts';
import { UserError, errorMessage } from '../common/errors.ts';
import { daemonSocketPath, ensurePrivateDir, runtimeDir, vmDir } from '../common/paths.ts';
import { parseSpec } from '../common/spec.ts';
import { Registry } from './registry.ts';
import type { Viewer } from './viewer.ts';
import type { Vm } from './vm.ts';
import { extraOps } from './ops.ts';

export { PROTOCOL_VERSION };

type Msg = Record<string, unknown>;

export interface Session {
	socket: Socket;
	who: string;
	vm?: Vm;
	viewer?: Viewer;
	/** The viewer watches the glass console, not the serial one. */
	glass?: boolean;
	subscribed: boolean;
	deniedNotice: boolean;
}

export type OpHandler = (ctx: { daemon: Daemon; session: Session; msg: Msg }) => Promise<Msg | void> | Msg | void;

function str(msg: Msg, key: string): string {
	const v = msg[key];
	if (typeof v !== 'string' || !v) throw new UserError(`'${key}' must be a non-empty string`);
	return v;
}

export class Daemon {
	readonly registry = new Registry();
	readonly sessions = new Set<Session>();
	private server?: Server;
	private ticker?: NodeJS.Timeout;
	private vmsTimer?: NodeJS.Timeout;
	readonly startedMs = Date.now();
	private ops: Record<string, OpHandler>;

	constructor() {
		this.ops = { ...this.coreOps(), ...extraOps };
		this.registry.on('changed', () => this.vmsChanged());
	}

	async start(): Promise<void> {
		ensurePrivateDir(runtimeDir());
		const path = daemonSocketPath();
		if (existsSync(path)) {
			if (await isAlive(path)) throw new UserError(`a daemon is already running on ${path}`);
			unlinkSync(path);
		}
		await this.registry.load();
		this.server = createServer((s) => this.accept(s));
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(path, () => resolve());
		});
		chmodSync(path, 0o600);
		writeFileSync(join(runtimeDir(), 'daemon.pid'), `${process.pid}\n`, { mode: 0o600 });
		this.ticker = setInterval(() => this.registry.tick(Date.now()), 1000);
	}

	async stop(): Promise<void> {
		clearInterval(this.ticker);
		for (const s of this.sessions) s.socket.destroy();
		this.registry.dispose();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
		for (const f of [daemonSocketPath(), join(runtimeDir(), 'daemon.pid')]) {
			try {
				unlinkSync(f);
			} catch {
				// already gone
			}
		}
	}

	/**
	 * Test-only (OBSDTUI_TEST_HOOKS=1, never set by obsdtui itself): `test-crash` raises
	 * an error outside any request, as a bug would, to test the crash-only rule.
	 * `{kind: 'throw'}` throws, `{kind: 'reject'}` leaves a promise rejected,
	 * `{kind: 'epipe'}` throws an EPIPE error (the one kind that is ignored).
	 */
	enableTestHooks(): void {
		this.ops['test-crash'] = ({ msg }) => {
			setImmediate(() => {
				if (msg.kind === 'reject') void Promise.reject(new Error('test hook: an internal error (rejected promise)'));
				else if (msg.kind === 'epipe') throw Object.assign(new Error('write EPIPE (test hook)'), { code: 'EPIPE' });
				else throw new Error('test hook: an internal error');
			});
			return {};
		};
	}

	private accept(socket: Socket): void {
		const session: Session = { socket, who: 'client', subscribed: false, deniedNotice: false };
		this.sessions.add(session);
		const decoder = new FrameDecoder();
		socket.on('data', (chunk: Buffer) => {
			let frames;
			try {
				frames = decoder.push(chunk);
			} catch (err) {
				const message = err instanceof FrameError ? err.message : 'protocol error';
				socket.end(encodeJson({ event: 'error', error: `protocol error: ${message}; closing` }));
				socket.destroy();
				return;
			}
			for (const f of frames) {
				if (f.kind === KIND_DATA) this.keys(session, f.payload);
				else this.request(session, f.payload);
			}
		});
		socket.on('error', () => {});
		socket.on('close', () => this.closeSession(session));
	}

	private closeSession(session: Session): void {
		this.sessions.delete(session);
		for (const vm of this.registry.vms.values()) if (vm.panelWatchers.has(session)) vm.watchPanels(session, false);
		detachSession(session);
	}

	private keys(session: Session, bytes: Buffer): void {
		const { vm, viewer } = session;
		if (!vm || !viewer) return;
		try {
			const typed = session.glass ? vm.inputGlass(viewer, bytes) : vm.input(viewer, bytes);
			if (!typed && !session.deniedNotice) {
				session.deniedNotice = true;
				viewer.event({ event: 'notice', message: viewer.mode === 'spy' ? 'spy mode: your keys do not reach the guest' : 'read-only: another viewer holds the console (take over to type)' });
			}
		} catch (err) {
			viewer.event({ event: 'notice', message: errorMessage(err) });
		}
	}

	private request(session: Session, payload: Buffer): void {
		let msg: Msg;
		try {
			msg = parseJsonPayload(payload);
		} catch (err) {
			session.socket.write(encodeJson({ ok: false, error: errorMessage(err) }));
			return;
		}
		const id = msg.id;
		const reply = (body: Msg) => {
			if (!session.socket.destroyed) session.socket.write(encodeJson({ id, ...body }));
		};
		const op = typeof msg.op === 'string' ? this.ops[msg.op] : undefined;
		if (!op) {
			reply({ ok: false, error: `unknown op ${JSON.stringify(msg.op)}` });
			return;
		}
		Promise.resolve()
			.then(() => op({ daemon: this, session, msg }))
			.then((result) => reply({ ok: true, ...(result ?? {}) }))
			.catch((err: unknown) => {
				// A failed request is answered with its error (the client shows it) and, unless
				// it is the user's mistake, logged with its stack for whoever reads daemon.log.
				if (!(err instanceof UserError)) process.stderr.write(`obsdtui daemon: request ${JSON.stringify(msg.op)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
				reply({ ok: false, error: errorMessage(err) });
			});
	}

	/** Tell subscribed clients about VM changes, at most four times a second. */
	private vmsChanged(): void {
		if (this.vmsTimer) return;
		this.vmsTimer = setTimeout(() => {
			this.vmsTimer = undefined;
			const vms = this.list();
			for (const s of this.sessions) if (s.subscribed && !s.socket.destroyed) s.socket.write(encodeJson({ event: 'vms', vms }));
		}, 250);
	}

	list() {
		this.registry.adoptCreated();
		return [...this.registry.vms.values()].map((vm) => vm.info()).sort((a, b) => a.name.localeCompare(b.name));
	}

	private coreOps(): Record<string, OpHandler> {
		return {
			hello: ({ session, msg }) => {
				if (typeof msg.who === 'string' && msg.who) session.who = msg.who.slice(0, 80);
				return { protocol: PROTOCOL_VERSION, pid: process.pid };
			},
			status: ({ daemon }) => ({
				pid: process.pid,
				uptime_ms: Date.now() - daemon.startedMs,
				vms: daemon.registry.vms.size,
				clients: daemon.sessions.size,
				socket: daemonSocketPath(),
				protocol: PROTOCOL_VERSION,
				node: process.version,
				rss: process.memoryUsage().rss,
				viewers: [...daemon.registry.vms.values()].flatMap((vm) =>
					[...vm.viewers].map((v) => ({ vm: vm.name, who: v.who, mode: v.mode, writer: v.writer, queued: v.socket.writableLength, stalled: v.isStalled, resyncs: v.resyncs })),
				),
			}),
			stop: ({ daemon }) => {
				// Answer first, then go: VMs keep running under their helpers.
				setTimeout(() => void daemon.stop().then(() => process.exit(0)), 50);
				return {};
			},
			ls: ({ daemon }) => ({ vms: daemon.list() }),
			subscribe: ({ session, daemon }) => {
				session.subscribed = true;
				return { vms: daemon.list() };
			},
			up: async ({ daemon, msg }) => {
				// `saved`: start from this VM's spec.json here (a client on another host cannot read it).
				const raw = msg.saved === true ? { ...savedSpec(str(msg, 'name')), ...(typeof msg.overrides === 'object' && msg.overrides ? msg.overrides : {}) } : msg.spec;
				const spec = parseSpec(raw, typeof msg.name === 'string' ? msg.name : undefined);
				const vm = await daemon.registry.up(spec);
				return { vm: vm.info() };
			},
			down: async ({ daemon, session, msg }) => {
				const vm = daemon.registry.get(str(msg, 'name'));
				const timeout = typeof msg.timeout_ms === 'number' ? msg.timeout_ms : 20000;
				await vm.down(session.who, msg.force === true, timeout);
				return { vm: vm.info() };
			},
			rm: ({ daemon, msg }) => ({ removed: daemon.registry.remove(str(msg, 'name'), msg.keep_logs === true), kept_logs: msg.keep_logs === true }),
			info: ({ daemon, msg }) => ({ vm: daemon.registry.get(str(msg, 'name')).info() }),
			attach: ({ daemon, session, msg }) => {
				const vm = daemon.registry.get(str(msg, 'name'));
				const mode = msg.mode ?? 'rw';
				if (mode !== 'rw' && mode !== 'spy' && mode !== 'takeover') throw new UserError(`mode must be rw, spy or takeover`);
				const glass = msg.glass === true;
				if (glass && mode === 'takeover') throw new UserError('the glass console has no write seat to take over: attach rw or spy');
				detachSession(session);
				session.vm = vm;
				session.deniedNotice = false;
				session.glass = glass;
				session.viewer = glass ? vm.attachGlass(session.socket, session.who, mode as 'rw' | 'spy') : vm.attach(session.socket, session.who, mode);
				return { vm: vm.info(), writer: session.viewer.writer, mode: session.viewer.mode, glass };
			},
			detach: ({ session }) => {
				detachSession(session);
				return {};
			},
			takeover: ({ session }) => {
				if (!session.vm || !session.viewer) throw new UserError('not attached to a console');
				if (session.glass) throw new UserError('the glass console has no write seat to take over');
				session.vm.takeover(session.viewer);
				return { writer: true };
			},
			send: ({ daemon, session, msg }) => {
				const vm = daemon.registry.get(str(msg, 'name'));
				const data = typeof msg.data === 'string' ? Buffer.from(msg.data, 'base64') : Buffer.from(str(msg, 'text'), 'utf8');
				if (msg.glass === true) return { keys: vm.sendGlass(data, session.who) };
				vm.send(data, session.who);
				return { bytes: data.length };
			},
			break: async ({ daemon, session, msg }) => {
				const vm = session.vm && !msg.name ? session.vm : daemon.registry.get(str(msg, 'name'));
				if (session.viewer && session.vm === vm && !session.viewer.writer) throw new UserError('only the viewer holding the console can send BREAK');
				if (msg.glass === true || (session.glass && session.vm === vm && !msg.name)) vm.glassBreak(session.who);
				else await vm.sendBreak(session.who);
				return {};
			},
			wait: async ({ daemon, msg }) => {
				const vm = daemon.registry.get(str(msg, 'name'));
				let re: RegExp;
				try {
					re = new RegExp(str(msg, 'pattern'), typeof msg.flags === 'string' ? msg.flags.replace(/[gy]/g, '') : '');
				} catch (err) {
					throw new UserError(`bad pattern: ${errorMessage(err)}`);
				}
				const timeout = typeof msg.timeout_ms === 'number' && msg.timeout_ms > 0 ? msg.timeout_ms : 300000;
				const source = msg.source ?? 'any';
				if (source !== 'serial' && source !== 'glass' && source !== 'any') throw new UserError('source must be serial, glass or any');
				// A user's pattern: matched in a worker with a time budget (user-pattern.ts).
				return { matched: await vm.wait(re, msg.new === true, timeout, { user: true, source }) };
			},
			screen_text: async ({ daemon, msg }) => {
				const vm = daemon.registry.get(str(msg, 'name'));
				if (msg.glass === true) {
					const glass = vm.glass;
					if (!glass) throw new UserError(`${vm.name} has no glass console (it has no display: start it with --gpu WxH)`);
					await glass.screen.flush();
					return { lines: glass.screen.lines(), cols: glass.screen.cols, rows: glass.screen.rows, glass: glass.status() };
				}
				await vm.screen.flush();
				return { lines: vm.screen.lines(), cols: vm.spec.cols, rows: vm.spec.rows };
			},
		};
	}
}

function savedSpec(name: string): Record<string, unknown> {
	const path = join(vmDir(name), 'spec.json');
	if (!existsSync(path)) throw new UserError(`${name} has no saved spec on this host: give --spec or --kernel/--disk/--exec/...`);
	try {
		return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
	} catch (err) {
		throw new UserError(`${path}: ${errorMessage(err)}`);
	}
}

function detachSession(session: Session): void {
	if (session.vm && session.viewer) {
		if (session.glass) session.vm.detachGlass(session.viewer);
		else session.vm.detach(session.viewer);
	}
	session.vm = undefined;
	session.viewer = undefined;
	session.glass = false;
}

function isAlive(path: string): Promise<boolean> {
	return new Promise((resolve) => {
		const s = connect(path);
		s.once('connect', () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
	});
}

/** `obsdtui daemon run`: serve until stopped. */
export async function runDaemon(): Promise<void> {
	const daemon = new Daemon();
	await daemon.start();
	const shutdown = () => void daemon.stop().then(() => process.exit(0));
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);
	process.on('SIGHUP', () => {});
	// Crash-only. A bad request is answered with an error (request() catches what its op
	// throws), but an exception nobody caught means the daemon is in a state nobody
	// planned for: limping on could serve wrong screens or lose waiters. Dying is safe:
	// the helpers keep the VMs and write the logs, and the next command starts a new
	// daemon that re-adopts them (docs/architecture.md, "Crash-only daemon").
	const crash = (err: unknown) => {
		if (isHarmless(err)) {
			writeSync(2, `obsdtui daemon: ignored ${(err as NodeJS.ErrnoException).code} (a peer went away): ${(err as Error).message}\n`);
			return;
		}
		writeSync(2, `obsdtui daemon: internal error, exiting with status ${CRASH_STATUS} (the next command starts a new daemon): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(CRASH_STATUS);
	};
	process.on('uncaughtException', crash);
	// A promise rejected with nobody to handle it is the same kind of bug; the CLI's own
	// handler (src/main.ts) would exit without the stack.
	process.removeAllListeners('unhandledRejection');
	process.on('unhandledRejection', crash);
	if (process.env.OBSDTUI_TEST_HOOKS === '1') daemon.enableTestHooks();
}

/** EX_SOFTWARE from sysexits(3): an internal software error. */
const CRASH_STATUS = 70;

/**
 * The only errors known to be harmless: writing to or reading from a socket whose peer
 * has gone (a viewer that quit, a helper that died). The socket's close handler cleans
 * up after it; nothing else is left half-done.
 */
function isHarmless(err: unknown): boolean {
	const code = (err as NodeJS.ErrnoException)?.code;
	return code === 'EPIPE' || code === 'ECONNRESET';
}
