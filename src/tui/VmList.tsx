// The first screen of `obsdtui`: every VM the daemon knows, one per line.
import { Box, Text } from 'ink';
import type { VmSummary } from './feed.ts';
import { fmtBytes } from '../common/bytes.ts';

export interface VmListProps {
	vms: VmSummary[];
	selected: number;
	width: number;
	height: number;
	prefix: string;
	message?: string;
	/** No colour at all on a mono terminal (NO_COLOR). */
	mono?: boolean;
}

const COLUMNS = [
	{ title: 'NAME', width: 18 },
	{ title: 'BACKEND', width: 8 },
	{ title: 'STATE', width: 10 },
	{ title: 'LOGS', width: 14 },
	{ title: 'STAGE', width: 12 },
	{ title: 'VIEWERS', width: 8 },
];

function cell(text: string, width: number): string {
	return text.length >= width ? text.slice(0, width - 1) + ' ' : text.padEnd(width);
}

export function vmRow(vm: VmSummary, width: number): string {
	// LOGS as `ls` shows it (size/boots kept), and how many boots retention removed.
	const logs = vm.logs ? `${fmtBytes(vm.logs.bytes)}/${vm.logs.boots}${vm.logs.pruned ? ` -${vm.logs.pruned}` : ''}` : '-';
	const values = [vm.name, vm.backend, vm.state, logs, vm.stage ?? '-', String(vm.viewers)];
	let line = COLUMNS.map((c, i) => cell(values[i], c.width)).join('');
	const alerts = vm.alerts.length ? `${vm.alerts.length}: ${vm.alerts[vm.alerts.length - 1]}` : '-';
	line += alerts;
	return line.length > width ? line.slice(0, width - 1) + '…' : line;
}

export function VmList(props: VmListProps) {
	const { vms, width, height } = props;
	const header = COLUMNS.map((c) => c.title.padEnd(c.width)).join('') + 'ALERTS';
	// Keep the selection visible in a short window.
	const room = Math.max(1, height - 3);
	const first = Math.max(0, Math.min(props.selected - room + 1, vms.length - room));
	const shown = vms.slice(Math.max(0, first), Math.max(0, first) + room);
	const help = props.message ?? `↑/↓ select · Enter attach · v attach as spy · ? help · q quit`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold>{header.slice(0, width)}</Text>
			{vms.length === 0 ? (
				<Text>No VMs. Start one with `obsdtui up SPEC.json`, or try `obsdtui demo`.</Text>
			) : (
				shown.map((vm) => {
					const i = vms.indexOf(vm);
					const text = vmRow(vm, width - 2);
					return (
						<Text key={vm.name} inverse={i === props.selected} color={vm.alerts.length && !props.mono ? 'red' : undefined}>
							{(i === props.selected ? '> ' : '  ') + text}
						</Text>
					);
				})
			)}
			<Box flexGrow={1} />
			<Text dimColor>{help.slice(0, width)}</Text>
		</Box>
	);
}
