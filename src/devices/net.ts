// The daemon side of `obsdtui net NAME` and the MTU panel: a per-VM poller of the
// virtio-net device over QMP, and the report that joins it with the guest's attach line
// and the helper's wire statistics.
import type { IfconfigFacts } from './ifconfig.ts';
import type { Qmp } from './qmp.ts';
import { listVirtio, readHostMtu, readVirtioStatus, VirtioTracker, VIRTIO_ID_NET, type VirtioChange } from './virtio-status.ts';
import { netVerdict, type NetVerdict, type HostNetFacts } from './net-verdict.ts';
import type { VioFacts } from './guest.ts';

/** What the helper's wire reports (`E {"event":"net",...}`), see native/qemu/wire.c. */
export interface WireStats {
	framesIn: number;
	bytesIn: number;
	framesOut: number;
	bytesOut: number;
	outErrors: number;
	runts: number;
	fragments: number;
	largestIn: number;
	largestOut: number;
	arpReplies: number;
	echoReplies: number;
	guestMac: string | null;
	guestIp: string | null;
	hostIp: string | null;
	pcap: string | null;
	/** [largest frame size of the bucket, frames] from the guest. */
	histogram: [number, number][];
	probe: { state: 'idle' | 'running' | 'done' | 'failed'; max: number; mtu: number; tries: number; error: string | null };
}

export interface HostNetState extends HostNetFacts {
	device: string;
	statuses: string[];
	negotiations: number;
	resets: number;
	changes: VirtioChange[];
}

export interface NetReport {
	/** Which witnesses this backend has; a missing one is shown as "not available". */
	host: HostNetState | null;
	guest: VioFacts | null;
	wire: WireStats | null;
	verdict: NetVerdict;
	/** `ifconfig IF hwfeatures` typed at the guest's shell, only when asked (net --ifconfig). */
	ifconfig?: IfconfigFacts | { name: string; error: string };
}

export const F_MTU = 'VIRTIO_NET_F_MTU';

/** Polls one VM's first virtio-net device. Cheap: two QMP queries per poll. */
export class NetMonitor {
	state: HostNetState | null = null;
	private qmp: Qmp;
	private path?: string | null;
	private hostMtu?: number;
	private tracker = new VirtioTracker();
	private timer?: NodeJS.Timeout;
	private intervalMs: number;
	private now: () => number;

	constructor(qmp: Qmp, opts: { intervalMs?: number; now?: () => number } = {}) {
		this.qmp = qmp;
		this.intervalMs = opts.intervalMs ?? 2000;
		this.now = opts.now ?? Date.now;
	}

	start(): void {
		const tick = () => {
			this.poll()
				.catch(() => {})
				.finally(() => {
					if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
				});
		};
		this.timer = setTimeout(tick, 0).unref();
	}

	stop(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
	}

	async poll(): Promise<HostNetState | null> {
		if (this.path === undefined) {
			const devs = await listVirtio(this.qmp);
			this.path = devs?.find((d) => d.name === 'virtio-net')?.path ?? null;
		}
		if (!this.path) return (this.state = null);
		const s = await readVirtioStatus(this.qmp, this.path);
		if (s.deviceId !== VIRTIO_ID_NET) return (this.state = null);
		this.hostMtu ??= await readHostMtu(this.qmp, this.path);
		this.tracker.update(s, this.now());
		const negotiated = s.statuses.includes('FEATURES_OK');
		this.state = {
			device: this.path.replace(/^\/machine\/peripheral\//, '').replace(/\/virtio-backend$/, ''),
			hostMtu: this.hostMtu,
			offered: s.hostFeatures.includes(F_MTU),
			accepted: negotiated ? s.guestFeatures.includes(F_MTU) : undefined,
			negotiated,
			statuses: s.statuses,
			negotiations: this.tracker.negotiations,
			resets: this.tracker.resets,
			changes: [...this.tracker.changes],
		};
		return this.state;
	}
}

export function netReport(host: HostNetState | null | undefined, guest: VioFacts | null | undefined, wire: WireStats | null | undefined): NetReport {
	const verdict = netVerdict({
		host: host ?? undefined,
		guest: guest ?? undefined,
		wire: wire && wire.framesIn > 0 ? { largestFrame: wire.largestIn, frames: wire.framesIn } : undefined,
	});
	return { host: host ?? null, guest: guest ?? null, wire: wire ?? null, verdict };
}
