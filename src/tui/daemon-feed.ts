// Live VMs from the daemon, through the client in src/client/client.ts.
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { connectDaemon, reconnectDaemon, type DaemonClient, type VmInfo } from '../client/client.ts';
import type { Host } from '../client/hosts.ts';
import { errorMessage } from '../common/errors.ts';
import { reportOfLogFile } from '../helper/logscan.ts';
import { logUsage } from '../helper/retention.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmDetails, VmSummary } from './feed.ts';

/** How often the side column's evidence is refreshed for a live VM. */
const DETAILS_MS = 1000;
/** The framebuffer thumbnail's size in cells (half blocks: twice as many pixel rows). */
export const THUMB = { cols: 28, rows: 7 };

/** `local`: the daemon runs on this machine, so its VM directories can be read here. */
function summary(vm: VmInfo, local = true): VmSummary {
	return {
		name: vm.name,
		backend: vm.backend,
		state: vm.state,
		stage: vm.stage,
		alerts: vm.alerts ?? [],
		crash: vm.crash,
		viewers: vm.viewers,
		writer: vm.writer,
		log: vm.log,
		cols: vm.cols,
		rows: vm.rows,
		glass: vm.glass !== undefined,
		kernel_console: vm.kernel_console,
		logs: local ? logsOf(vm.log) : undefined,
	};
}

/** What `ls` shows in LOGS: the daemon runs on this machine, its VM directories are ours. */
function logsOf(log: string): VmSummary['logs'] {
	try {
		const u = logUsage(dirname(log));
		return { bytes: u.bytes, boots: u.boots, pruned: u.pruned.length };
	} catch {
		return undefined;
	}
}

type ClientSession = ReturnType<DaemonClient['console']>;

class DaemonSession extends EventEmitter implements ConsoleSession {
	private raw?: ClientSession;
	private requested: AttachMode;
	private ended = false;

	constructor(
		private readonly feed: DaemonFeed,
		private readonly name: string,
		mode: AttachMode,
		private readonly glass = false,
	) {
		super();
		this.requested = mode;
		this.open(feed.connection(), mode);
	}

	/** Follow a new client session first, then ask to attach: the snapshot may come first. */
	private open(client: DaemonClient, mode: AttachMode, again = false): void {
		const raw = client.console(this.name, { glass: this.glass });
		this.follow(raw);
		raw.attach(mode).then(
			() => {
				this.emit('event', { event: 'mode', writer: raw.writer, initial: !again });
				if (again) this.emit('event', { event: 'notice', message: 'the daemon restarted; console re-attached' });
			},
			(err: unknown) => this.end(errorMessage(err)),
		);
	}

	private follow(raw: ClientSession): void {
		this.raw = raw;
		raw.on('snapshot', (ansi: Buffer, info: { cols: number; rows: number }) => this.emit('snapshot', ansi, info));
		raw.on('data', (bytes: Buffer) => this.emit('data', bytes));
		raw.on('event', (ev: Record<string, unknown>) => {
			this.emit('event', ev);
			if (ev.event === 'state' && (ev.state === 'exited' || ev.state === 'lost')) this.end(`the VM ${String(ev.state)}`);
		});
		raw.on('end', (reason: string) => {
			if (this.raw !== raw || this.ended) return;
			// The daemon went away, not the VM: it keeps running under its helper, so wait
			// for the feed to reconnect (which restarts the daemon) and attach again.
			this.emit('event', { event: 'notice', message: 'the daemon went away; reconnecting' });
			this.feed.whenReconnected().then(
				(client) => {
					if (!this.ended) this.open(client, this.requested === 'takeover' ? 'rw' : this.requested, true);
				},
				() => this.end(reason),
			);
		});
	}

	private end(reason: string): void {
		if (this.ended) return;
		this.ended = true;
		this.emit('end', reason);
	}

	get mode(): AttachMode {
		return this.raw?.vm ? this.raw.mode : this.requested === 'spy' ? 'spy' : 'rw';
	}

	get writer(): boolean {
		return this.raw?.writer ?? false;
	}

	write(bytes: Buffer): void {
		this.raw?.write(bytes);
	}

	sendBreak(): Promise<unknown> {
		if (!this.raw) return Promise.reject(new Error('not attached yet'));
		return this.raw.sendBreak();
	}

	takeover(): Promise<unknown> {
		if (!this.raw) return Promise.reject(new Error('not attached yet'));
		return this.raw.takeover();
	}

	detach(): Promise<unknown> {
		this.ended = true;
		this.emit('end', 'detached');
		return this.raw?.detach() ?? Promise.resolve();
	}
}

export class DaemonFeed extends EventEmitter implements ConsoleFeed {
	private client!: DaemonClient;
	private vms: VmSummary[] = [];
	private closing = false;
	private reconnecting?: Promise<DaemonClient>;

	/** undefined: the host chosen for this command (-H, OBSDTUI_HOST); null: this machine. */
	private readonly host?: Host | null;

	/** A VM as the list shows it; its log usage only when its daemon is on this machine. */
	private summarise(vm: VmInfo): VmSummary {
		return summary(vm, !this.client.host);
	}

	private constructor(client: DaemonClient, host?: Host | null) {
		super();
		this.host = host;
		this.use(client);
	}

	static async open(host?: Host | null, signal?: AbortSignal): Promise<DaemonFeed> {
		const client = await connectDaemon({ host, signal });
		const feed = new DaemonFeed(client, host);
		const reply = await client.request<{ vms: VmInfo[] }>('subscribe');
		feed.vms = reply.vms.map((vm) => feed.summarise(vm));
		return feed;
	}

	private use(client: DaemonClient): void {
		this.client = client;
		client.on('vms', (vms: VmInfo[]) => {
			this.vms = vms.map((vm) => this.summarise(vm));
			this.emit('vms', this.vms);
		});
		// An explicit close() does not emit 'close'; this is the daemon going away.
		client.on('close', () => {
			if (!this.closing) void this.whenReconnected().catch(() => undefined);
		});
	}

	/** The current connection (sessions attach on it). */
	connection(): DaemonClient {
		return this.client;
	}

	/**
	 * Resolves with a new connection once a daemon answers again; connecting starts one
	 * when none runs, and the new daemon adopts the VMs that kept running.
	 */
	whenReconnected(): Promise<DaemonClient> {
		if (!this.client.closed) return Promise.resolve(this.client);
		this.reconnecting ??= (async () => {
			const client = await reconnectDaemon({ host: this.host, stop: () => this.closing });
			const reply = await client.request<{ vms: VmInfo[] }>('subscribe');
			this.use(client);
			this.vms = reply.vms.map((vm) => this.summarise(vm));
			this.emit('vms', this.vms);
			return client;
		})().finally(() => {
			this.reconnecting = undefined;
		});
		return this.reconnecting;
	}

	list(): VmSummary[] {
		return this.vms;
	}

	private details_ = new Map<string, { at: number; value?: VmDetails; pending: boolean }>();

	/**
	 * The side column's evidence for a live VM: answered from a cache, refreshed from the
	 * daemon at most once a second; a refresh that brings news asks for a redraw.
	 */
	details(name: string): VmDetails | undefined {
		let entry = this.details_.get(name);
		if (!entry) this.details_.set(name, (entry = { at: 0, pending: false }));
		if (!entry.pending && Date.now() - entry.at >= DETAILS_MS && !this.client.closed) {
			entry.pending = true;
			const e = entry;
			this.client
				.request<VmDetails & Record<string, unknown>>('details', { name, thumb: THUMB })
				.then(({ stages, previous, net, screen }) => {
					e.value = { stages, previous, net, screen };
					this.emit('vms', this.vms);
				})
				.catch(() => undefined)
				.finally(() => {
					e.pending = false;
					e.at = Date.now();
				});
		}
		return entry.value;
	}

	attach(name: string, mode: AttachMode, opts: { glass?: boolean } = {}): ConsoleSession {
		return new DaemonSession(this, name, mode, opts.glass === true);
	}

	/** The daemon runs as this user on this machine: the VM's log file is readable here. */
	async report(name: string): Promise<string> {
		const vm = this.vms.find((v) => v.name === name);
		if (!vm) throw new Error(`no VM named ${name}`);
		if (this.client.host) throw new Error(`the log of ${name} is on ${this.client.host}: use obsdtui report ${this.client.host}:${name}`);
		// Streamed: a log may be bigger than Node reads at once (its cap is 4 GiB).
		return reportOfLogFile(vm.log, { vm: { name, backend: vm.backend } });
	}

	close(): void {
		this.closing = true;
		this.client.close();
	}
}
