// The side column next to the console: alerts, boot timeline, MTU and framebuffer. Each
// panel says "not available" until its data source exists, so the layout is already
// right; the column collapses when the terminal is too narrow (see layout.ts).
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { VmSummary } from './feed.ts';

export interface SidePanelsProps {
	vm: VmSummary;
	width: number;
	height: number;
}

function Panel({ title, width, children }: { title: string; width: number; children: ReactNode }) {
	return (
		<Box flexDirection="column" width={width} marginBottom={1}>
			<Text bold>{title}</Text>
			{children}
		</Box>
	);
}

function Unavailable({ what }: { what: string }) {
	return <Text dimColor>{what} not available</Text>;
}

export function SidePanels({ vm, width, height }: SidePanelsProps) {
	const alerts = vm.alerts.slice(-3);
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Panel title="Alerts" width={width}>
				{alerts.length === 0 ? (
					<Text dimColor>none</Text>
				) : (
					alerts.map((a, i) => (
						<Text key={i} color="red" wrap="truncate-end">
							{a}
						</Text>
					))
				)}
			</Panel>
			<Panel title="Boot timeline" width={width}>
				{vm.stage ? <Text wrap="truncate-end">stage: {vm.stage}</Text> : <Unavailable what="timeline" />}
			</Panel>
			<Panel title="Network MTU" width={width}>
				<Unavailable what="MTU evidence" />
			</Panel>
			<Panel title="Framebuffer" width={width}>
				<Unavailable what="framebuffer" />
			</Panel>
		</Box>
	);
}
