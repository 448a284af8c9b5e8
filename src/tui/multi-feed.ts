// The TUI over many hosts: one DaemonFeed per host (this machine and each host in the
// hosts file), merged into one list grouped by host. Remote VMs are named HOST:VM, as on
// the command line; each host connects and reconnects on its own, so one that is slow or
// gone never holds up the list or the other hosts' consoles.
import { EventEmitter } from 'node:events';
import type { Host } from '../client/hosts.ts';
import { DaemonFeed } from './daemon-feed.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmDetails, VmSummary } from './feed.ts';

/** How long the TUI waits for a host before it opens without it (it keeps trying). */
const OPEN_MS = 10_000;
/** How often a host that could not be reached is tried again. */
const RETRY_MS = 15_000;

export class MultiFeed extends EventEmitter implements ConsoleFeed {
	/** Keyed by host name; '' is this machine. */
	private feeds = new Map<string, DaemonFeed>();
	private closing = false;
	private timers = new Set<NodeJS.Timeout>();

	private constructor(private readonly hosts: Host[]) {
		super();
	}

	/** Opens this machine's feed (required) and every host's (each within OPEN_MS, else later). */
	static async open(hosts: Host[]): Promise<MultiFeed> {
		const multi = new MultiFeed(hosts);
		multi.add('', await DaemonFeed.open(null));
		await Promise.all(hosts.map((h) => multi.connect(h)));
		return multi;
	}

	private add(key: string, feed: DaemonFeed): void {
		this.feeds.set(key, feed);
		feed.on('vms', () => this.emit('vms', this.list()));
		this.emit('vms', this.list());
	}

	private async connect(host: Host): Promise<void> {
		if (this.closing) return;
		const ac = new AbortController();
		const timer = setTimeout(() => ac.abort(), OPEN_MS);
		try {
			const feed = await DaemonFeed.open(host, ac.signal);
			if (this.closing) feed.close();
			else this.add(host.name, feed);
		} catch {
			const retry = setTimeout(() => {
				this.timers.delete(retry);
				void this.connect(host);
			}, RETRY_MS);
			this.timers.add(retry);
		} finally {
			clearTimeout(timer);
		}
	}

	/** `HOST:VM` -> the host's feed and the VM's own name; a plain name is this machine's. */
	private route(name: string): { feed: DaemonFeed; vm: string } {
		const i = name.lastIndexOf(':');
		const key = i < 0 ? '' : name.slice(0, i);
		const feed = this.feeds.get(key);
		if (!feed) throw new Error(`${key || 'this machine'} is not connected`);
		return { feed, vm: i < 0 ? name : name.slice(i + 1) };
	}

	list(): VmSummary[] {
		// This machine first, then the hosts in the hosts file's order.
		const keys = ['', ...this.hosts.map((h) => h.name)];
		return keys.flatMap((key) => (this.feeds.get(key)?.list() ?? []).map((vm) => (key ? { ...vm, name: `${key}:${vm.name}` } : vm)));
	}

	details(name: string): VmDetails | undefined {
		const { feed, vm } = this.route(name);
		return feed.details(vm);
	}

	report(name: string): Promise<string> {
		const { feed, vm } = this.route(name);
		return feed.report(vm);
	}

	attach(name: string, mode: AttachMode, opts: { glass?: boolean } = {}): ConsoleSession {
		const { feed, vm } = this.route(name);
		return feed.attach(vm, mode, opts);
	}

	close(): void {
		this.closing = true;
		for (const t of this.timers) clearTimeout(t);
		for (const f of this.feeds.values()) f.close();
	}
}
