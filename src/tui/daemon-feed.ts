// Live VMs from the daemon, through the client in src/client/client.ts.
import { EventEmitter } from 'node:events';
import { connectDaemon, type DaemonClient, type VmInfo } from '../client/client.ts';
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../common/errors.ts';
import { sendbugReport } from '../guest/index.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmSummary } from './feed.ts';

function summary(vm: VmInfo): VmSummary {
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
	};
}

type ClientSession = Awaited<ReturnType<DaemonClient['attach']>>;

class DaemonSession extends EventEmitter implements ConsoleSession {
	private raw?: ClientSession;
	private requested: AttachMode;
	private ended = false;

	constructor(client: DaemonClient, name: string, mode: AttachMode) {
		super();
		this.requested = mode;
		const pending = client.attach(name, { mode });
		// The daemon sends the snapshot before its reply to `attach`, so the session's
		// events must be followed from the moment the client creates it, not after the
		// promise resolves. The client sets it synchronously inside attach().
		const raw = (client as unknown as { session?: ClientSession }).session;
		if (raw) this.follow(raw);
		pending.then(
			(s) => {
				if (s !== raw) this.follow(s);
				this.emit('event', { event: 'mode', writer: s.writer, initial: true });
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
		raw.on('end', (reason: string) => this.end(reason));
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
	private client: DaemonClient;
	private vms: VmSummary[] = [];

	private constructor(client: DaemonClient) {
		super();
		this.client = client;
		client.on('vms', (vms: VmInfo[]) => {
			this.vms = vms.map(summary);
			this.emit('vms', this.vms);
		});
	}

	static async open(): Promise<DaemonFeed> {
		const client = await connectDaemon();
		const feed = new DaemonFeed(client);
		const reply = await client.request<{ vms: VmInfo[] }>('subscribe');
		feed.vms = reply.vms.map(summary);
		return feed;
	}

	list(): VmSummary[] {
		return this.vms;
	}

	attach(name: string, mode: AttachMode): ConsoleSession {
		return new DaemonSession(this.client, name, mode);
	}

	/** The daemon runs as this user on this machine: the VM's log file is readable here. */
	async report(name: string): Promise<string> {
		const vm = this.vms.find((v) => v.name === name);
		if (!vm) throw new Error(`no VM named ${name}`);
		return sendbugReport({ log: await readFile(vm.log), vm: { name, backend: vm.backend } });
	}

	close(): void {
		this.client.close();
	}
}
