// One line that says whether VIRTIO_NET_F_MTU negotiation did what it should, from three
// independent witnesses: the host (QMP), the guest (its vio attach line) and the wire.
// Pure: every input may be missing, and a missing witness is said, not guessed.
import type { VioFacts } from './guest.ts';

/** ETHER_MAX_HARDMTU_LEN: vio(4) r1.78 refuses a device MTU above this and renegotiates without F_MTU. */
export const MAX_HARDMTU = 65435;
export const ETHERMTU = 1500;
const ETHER_HDR = 14;

export interface HostNetFacts {
	/** QEMU host_mtu; 0 = none configured. */
	hostMtu?: number;
	offered?: boolean;
	/** undefined while the driver has not got to FEATURES_OK yet. */
	accepted?: boolean;
	negotiated?: boolean;
}

export interface WireFacts {
	/** Largest frame the guest sent, Ethernet header included, no FCS. */
	largestFrame: number;
	frames: number;
}

export type NetVerdictCode =
	| 'negotiation-failed'
	| 'oversize'
	| 'fell-back'
	| 'accepted'
	| 'refused'
	| 'not-offered'
	| 'pending'
	| 'unknown';

export interface NetVerdict {
	code: NetVerdictCode;
	text: string;
	/** The MTU the guest should be using, when the evidence says. */
	mtu?: number;
}

export interface NetEvidence {
	host?: HostNetFacts;
	guest?: VioFacts;
	wire?: WireFacts;
}

/** The MTU the guest interface ends up with, from whichever witness knows. */
export function effectiveMtu(e: NetEvidence): number | undefined {
	const g = e.guest;
	if (g?.mtu) return g.mtu;
	if (g?.mtuNotSupported || g?.negotiationFailed) return ETHERMTU;
	if (g && g.address && !g.mtu) return ETHERMTU;
	const h = e.host;
	if (!h) return undefined;
	if (h.accepted && h.hostMtu) return h.hostMtu;
	if (h.accepted === false || h.offered === false) return ETHERMTU;
	return undefined;
}

export function netVerdict(e: NetEvidence): NetVerdict {
	const { host, guest, wire } = e;
	if (guest?.negotiationFailed) {
		return { code: 'negotiation-failed', text: 'negotiation failed: pre-2026 vio without F_MTU' };
	}
	const mtu = effectiveMtu(e);
	if (wire && mtu && wire.largestFrame > mtu + ETHER_HDR) {
		return { code: 'oversize', text: `guest sends ${wire.largestFrame}-byte frames, larger than MTU ${mtu} allows (${mtu + ETHER_HDR})`, mtu };
	}
	const refusedMtu = guest?.mtuNotSupported ?? (host?.offered && host.accepted === false && (host.hostMtu ?? 0) > MAX_HARDMTU ? host.hostMtu : undefined);
	if (refusedMtu) {
		return { code: 'fell-back', text: `fell back without F_MTU: device MTU ${refusedMtu} > ${MAX_HARDMTU}, guest uses ${ETHERMTU}`, mtu: ETHERMTU };
	}
	if (guest?.mtu || host?.accepted) {
		const m = guest?.mtu ?? host?.hostMtu;
		const mismatch = guest?.mtu && host?.hostMtu && guest.mtu !== host.hostMtu ? ` (host offered ${host.hostMtu})` : '';
		return { code: 'accepted', text: `F_MTU accepted: MTU ${m}${mismatch}`, mtu: m };
	}
	if (host?.offered && host.accepted === false) {
		return { code: 'refused', text: `F_MTU offered (MTU ${host.hostMtu}) but not accepted: guest uses ${ETHERMTU}`, mtu: ETHERMTU };
	}
	if (host?.offered === false) {
		return { code: 'not-offered', text: 'F_MTU not offered: no MTU configured for this NIC, guest uses 1500', mtu: ETHERMTU };
	}
	if (host?.offered) {
		return { code: 'pending', text: `F_MTU offered (MTU ${host.hostMtu}), waiting for the guest driver` };
	}
	if (guest?.address) {
		return { code: 'not-offered', text: 'guest attached without a device MTU (no F_MTU or pre-2026 vio): MTU 1500', mtu: ETHERMTU };
	}
	return { code: 'unknown', text: 'not available with this backend' };
}
