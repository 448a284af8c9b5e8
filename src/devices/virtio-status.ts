// Host-side virtio evidence from QMP: what each device offered, what the guest driver
// accepted, and the device status bits, followed over time. QEMU 7.2 names these
// commands `x-query-virtio*` (experimental), so a QEMU without them yields `undefined`
// and the panels say "not available" instead of guessing.
import type { Qmp } from './qmp.ts';
import { QmpError } from './qmp.ts';

export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_GPU = 16;

export interface VirtioDevice {
	name: string;
	/** QOM path of the virtio backend, e.g. /machine/peripheral/net0/virtio-backend. */
	path: string;
}

export interface VirtioStatus {
	path: string;
	name: string;
	deviceId: number;
	/** Feature names (the part before ':'), device and transport bits together. */
	hostFeatures: string[];
	guestFeatures: string[];
	/** Status bit names without the VIRTIO_CONFIG_S_ prefix: ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK, NEEDS_RESET, FAILED. */
	statuses: string[];
	started: boolean;
	broken: boolean;
}

interface RawFeatures {
	'dev-features'?: string[];
	transports?: string[];
}

interface RawStatus {
	name: string;
	'device-id': number;
	'host-features': RawFeatures;
	'guest-features': RawFeatures;
	status: { statuses: string[] };
	started: boolean;
	broken: boolean;
}

export function featureName(s: string): string {
	const colon = s.indexOf(':');
	return (colon < 0 ? s : s.slice(0, colon)).trim();
}

function names(f: RawFeatures | undefined): string[] {
	return [...(f?.['dev-features'] ?? []), ...(f?.transports ?? [])].map(featureName);
}

export function parseVirtioStatus(path: string, raw: RawStatus): VirtioStatus {
	return {
		path,
		name: raw.name,
		deviceId: raw['device-id'],
		hostFeatures: names(raw['host-features']),
		guestFeatures: names(raw['guest-features']),
		statuses: (raw.status?.statuses ?? []).map((s) => featureName(s).replace(/^VIRTIO_CONFIG_S_/, '')),
		started: raw.started,
		broken: raw.broken,
	};
}

/** The QOM path of the -device itself (where properties such as host_mtu live). */
export function devicePath(backendPath: string): string {
	return backendPath.replace(/\/virtio-backend$/, '');
}

function unsupported(e: unknown): boolean {
	return e instanceof QmpError && e.errorClass === 'CommandNotFound';
}

/** Virtio devices of the VM, or undefined when this QEMU has no x-query-virtio. */
export async function listVirtio(qmp: Qmp): Promise<VirtioDevice[] | undefined> {
	try {
		return await qmp.execute<VirtioDevice[]>('x-query-virtio');
	} catch (e) {
		if (unsupported(e)) return undefined;
		throw e;
	}
}

export async function readVirtioStatus(qmp: Qmp, path: string): Promise<VirtioStatus> {
	return parseVirtioStatus(path, await qmp.execute<RawStatus>('x-query-virtio-status', { path }));
}

/** The device MTU QEMU offers (virtio-net `host_mtu`); 0 means none configured. */
export async function readHostMtu(qmp: Qmp, backendPath: string): Promise<number> {
	return qmp.execute<number>('qom-get', { path: devicePath(backendPath), property: 'host_mtu' });
}

export interface QueueStatus {
	lastAvailIdx: number;
	usedIdx: number;
}

export async function readQueueStatus(qmp: Qmp, path: string, queue: number): Promise<QueueStatus> {
	const r = await qmp.execute<{ 'last-avail-idx': number; 'used-idx': number }>('x-query-virtio-queue-status', { path, queue });
	return { lastAvailIdx: r['last-avail-idx'], usedIdx: r['used-idx'] };
}

export interface VirtioChange {
	at: number;
	kind: 'negotiated' | 'renegotiated' | 'reset' | 'status';
	detail: string;
}

/**
 * Follows one device across polls. A reset is the status byte dropping to 0 after the
 * driver had touched it; a renegotiation is a second set of accepted features (what
 * OpenBSD's vio does when the device MTU is too large). Polling sees only the net effect
 * between two samples, so a reset and renegotiation faster than the poll interval
 * shows up as a feature change, and the guest's own attach line is the other witness.
 */
export class VirtioTracker {
	readonly changes: VirtioChange[] = [];
	negotiations = 0;
	resets = 0;
	last?: VirtioStatus;
	/** The last non-empty accepted set: a reset clears the live one before the next negotiation. */
	private accepted: string[] = [];
	private maxChanges: number;

	constructor(maxChanges = 32) {
		this.maxChanges = maxChanges;
	}

	update(s: VirtioStatus, at: number): VirtioChange[] {
		const prev = this.last;
		this.last = s;
		const out: VirtioChange[] = [];
		const prevStatuses = prev?.statuses ?? [];
		const prevGuest = this.accepted;
		if (prevStatuses.length > 0 && s.statuses.length === 0) {
			this.resets++;
			out.push({ at, kind: 'reset', detail: `status ${prevStatuses.join(',')} -> 0` });
		} else if (prev && !sameSet(prevStatuses, s.statuses)) {
			out.push({ at, kind: 'status', detail: `${prevStatuses.join(',') || '0'} -> ${s.statuses.join(',') || '0'}` });
		}
		if (s.guestFeatures.length > 0 && !sameSet(prev?.guestFeatures ?? [], s.guestFeatures)) {
			this.negotiations++;
			this.accepted = s.guestFeatures;
			if (this.negotiations === 1) {
				out.push({ at, kind: 'negotiated', detail: `${s.guestFeatures.length} features` });
			} else {
				const added = s.guestFeatures.filter((f) => !prevGuest.includes(f));
				const dropped = prevGuest.filter((f) => !s.guestFeatures.includes(f));
				const diff = [...added.map((f) => `+${f}`), ...dropped.map((f) => `-${f}`)];
				out.push({ at, kind: 'renegotiated', detail: diff.join(' ') || 'same features again' });
			}
		}
		this.changes.push(...out);
		if (this.changes.length > this.maxChanges) this.changes.splice(0, this.changes.length - this.maxChanges);
		return out;
	}
}

function sameSet(a: string[], b: string[]): boolean {
	if (a.length !== b.length) return false;
	const s = new Set(a);
	return b.every((x) => s.has(x));
}
