// What the guest kernel says about its vio(4) and viogpu(4) devices, in the shape the
// guest parser (src/guest/) exposes per device. This is the stop-gap reader for console
// text until that parser is wired in; the verdicts only ever see these fields.
//
// autoconf prints `vio0 at virtio0` and the driver appends the rest, so anything the
// transport prints with its own prefix lands mid-line:
//   vio0 at virtio0virtio0: Feature negotiation failed          (pre-2026 kernel, Apple VZ)
//   vio0 at virtio0vio0: mtu 65535 not supported                (2026 kernel, device MTU too big)
//   : 1 queue, address 52:54:00:12:34:56                         (...continued after renegotiation)
//   vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 9000 (2026 kernel, F_MTU accepted)

export interface VioFacts {
	name: string;
	address?: string;
	mtu?: number;
	/** The device MTU the driver refused (above ETHER_MAX_HARDMTU_LEN) before renegotiating. */
	mtuNotSupported?: number;
	negotiationFailed?: boolean;
}

export interface ViogpuFacts {
	name: string;
	width?: number;
	height?: number;
	failures?: { message: string; count: number }[];
}

// One pass: autoconf attaches one device at a time, so a continuation line belongs to the last vio.
export function vioFactsFromText(text: string): VioFacts[] {
	const devs = new Map<string, VioFacts>();
	let current: VioFacts | undefined;
	for (const line of text.split(/\r?\n/)) {
		const at = /\b(vio\d+) at virtio\d+(.*)$/.exec(line);
		let rest: string;
		if (at) {
			current = devs.get(at[1]) ?? { name: at[1] };
			devs.set(at[1], current);
			rest = at[2];
		} else if (current && line.startsWith(': ')) {
			rest = line;
		} else {
			const other = /\b(vio\d+): mtu (\d+) not supported/.exec(line);
			if (other) {
				const d = devs.get(other[1]) ?? { name: other[1] };
				devs.set(other[1], d);
				d.mtuNotSupported = Number(other[2]);
				current = d;
			} else {
				current = undefined;
			}
			continue;
		}
		if (/^virtio\d+: Feature negotiation failed/.test(rest)) current.negotiationFailed = true;
		const ns = /(?:^|vio\d+: )mtu (\d+) not supported/.exec(rest);
		if (ns) current.mtuNotSupported = Number(ns[1]);
		const addr = /address ([0-9a-fx]{2}(?::[0-9a-fx]{2}){5})/.exec(rest);
		if (addr) current.address = addr[1];
		const mtu = /, mtu (\d+)\s*$/.exec(rest);
		if (mtu) current.mtu = Number(mtu[1]);
	}
	return [...devs.values()];
}

export function viogpuFactsFromText(text: string): ViogpuFacts[] {
	const devs = new Map<string, ViogpuFacts>();
	const dev = (name: string) => {
		let d = devs.get(name);
		if (!d) devs.set(name, (d = { name }));
		return d;
	};
	for (const line of text.split(/\r?\n/)) {
		const at = /\b(viogpu\d+) at virtio\d+: (\d+)x(\d+), \d+bpp/.exec(line);
		if (at) {
			const d = dev(at[1]);
			d.width = Number(at[2]);
			d.height = Number(at[3]);
			continue;
		}
		const f = /\b(viogpu\d+): (failed [A-Za-z_0-9 ]+?)(?:: -?\d+)?\s*$/.exec(line);
		if (f) {
			const d = dev(f[1]);
			d.failures ??= [];
			const known = d.failures.find((x) => x.message === f[2]);
			if (known) known.count++;
			else d.failures.push({ message: f[2], count: 1 });
		}
	}
	return [...devs.values()];
}
