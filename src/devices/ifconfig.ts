// `ifconfig vio0 hwfeatures` output, typed into the guest only when the user asks and a
// shell prompt is showing: the one place OpenBSD prints the hard MTU the driver adopted.
//   vio0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 9000
//   	hwfeatures=1b7<CSUM_IPv4,CSUM_TCPv4,CSUM_UDPv4,VLAN_MTU,CSUM_TCPv6,CSUM_UDPv6> hardmtu 9000
// (format from sbin/ifconfig/ifconfig.c: printb("\thwfeatures", ...) then " hardmtu %u").

export interface IfconfigFacts {
	name: string;
	mtu?: number;
	hardmtu?: number;
	hwfeatures?: string[];
}

/** The command to type; the interface name is checked so nothing else can be typed. */
export function hwfeaturesCommand(ifname: string): string {
	if (!/^[a-z]+\d+$/.test(ifname)) throw new Error(`not an interface name: ${ifname}`);
	return `ifconfig ${ifname} hwfeatures`;
}

export function parseIfconfig(text: string, ifname: string): IfconfigFacts | undefined {
	let facts: IfconfigFacts | undefined;
	for (const line of text.split(/\r?\n/)) {
		const head = new RegExp(`^${ifname}: flags=[0-9a-f]+<[^>]*> mtu (\\d+)`).exec(line);
		if (head) {
			facts = { name: ifname, mtu: Number(head[1]) };
			continue;
		}
		if (!facts) continue;
		if (/^\S/.test(line)) break;
		const hw = /^\thwfeatures=[0-9a-f]+<([^>]*)>(?: hardmtu (\d+))?/.exec(line);
		if (hw) {
			facts.hwfeatures = hw[1] ? hw[1].split(',') : [];
			if (hw[2]) facts.hardmtu = Number(hw[2]);
		}
	}
	return facts;
}
