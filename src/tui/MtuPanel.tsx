// The MTU panel: verdict first, then one line per witness (host, guest, wire). Props
// only; the daemon's `net` report (or replayNetReport for a recording) is the input.
import { Box, Text } from 'ink';
import type { NetReport } from '../devices/net.ts';

const NA = 'not available with this backend';

const verdictColor: Record<string, string> = {
	accepted: 'green',
	'not-offered': 'white',
	pending: 'yellow',
	refused: 'yellow',
	'fell-back': 'yellow',
	'negotiation-failed': 'red',
	oversize: 'red',
	unknown: 'gray',
};

export function MtuPanel({ report, width }: { report: NetReport | null; width: number }) {
	if (!report) return <Text dimColor>MTU evidence {NA}</Text>;
	const { host, guest, wire, verdict } = report;
	const hostLine = host
		? `host ${host.hostMtu || 'no mtu'}, F_MTU ${host.offered ? (host.accepted === undefined ? 'offered' : host.accepted ? 'acked' : 'refused') : 'not offered'}${host.resets ? `, ${host.resets} reset` : ''}${host.negotiations > 1 ? `, ${host.negotiations} negot.` : ''}`
		: `host ${NA}`;
	const guestLine = guest
		? `guest ${guest.name} ${guest.negotiationFailed ? 'negotiation failed' : guest.mtuNotSupported ? `mtu ${guest.mtuNotSupported} refused` : guest.mtu ? `mtu ${guest.mtu}` : 'no device mtu'}`
		: 'guest no vio line yet';
	const wireLine = wire
		? `wire max ${wire.largestIn} B, ${wire.framesIn} frames${wire.probe.state === 'done' ? `, probe ${wire.probe.mtu}` : wire.probe.state === 'running' ? ', probing' : ''}`
		: `wire ${NA}`;
	// Frame sizes from the guest, by bucket (the largest size of each), where any were seen.
	const sizes = wire?.histogram.filter(([, n]) => n > 0).map(([max, n]) => `≤${max}:${n}`) ?? [];
	return (
		<Box flexDirection="column" width={width}>
			<Text color={verdictColor[verdict.code]} wrap="wrap">
				{verdict.text}
			</Text>
			<Text wrap="truncate-end" dimColor={!host}>{hostLine}</Text>
			<Text wrap="truncate-end" dimColor={!guest}>{guestLine}</Text>
			<Text wrap="truncate-end" dimColor={!wire}>{wireLine}</Text>
			{sizes.length > 0 && <Text wrap="wrap">sizes {sizes.join(' ')}</Text>}
		</Box>
	);
}
