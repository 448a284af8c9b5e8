// The side column next to the console: alerts, boot timeline, MTU and framebuffer. A
// panel whose evidence this source lacks says "not available", so the layout is always
// the same; the column collapses when the terminal is too narrow (see layout.ts).
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { ColorDepth } from '../term/colors.ts';
import type { VmDetails, VmSummary } from './feed.ts';
import { AlertsLine } from './AlertsLine.tsx';
import { MtuPanel } from './MtuPanel.tsx';
import { TimelinePanel } from './TimelinePanel.tsx';
import { FramebufferPanel } from './FramebufferPanel.tsx';

export interface SidePanelsProps {
	vm: VmSummary;
	details?: VmDetails;
	width: number;
	height: number;
	depth: ColorDepth;
	/** "Now" for the running stage's time; a whole second, so the column redraws once a second. */
	nowMs: number;
}

function Panel({ title, width, children }: { title: string; width: number; children: ReactNode }) {
	return (
		<Box flexDirection="column" width={width} marginBottom={1}>
			<Text bold>{title}</Text>
			{children}
		</Box>
	);
}

export function SidePanels({ vm, details, width, height, depth, nowMs }: SidePanelsProps) {
	// Thumbnails need real colours; a 16-colour or NO_COLOR terminal gets the text only.
	const screen = details?.screen && (depth === 'truecolor' || depth === '256') ? details.screen : details?.screen ? { ...details.screen, thumbnail: undefined } : null;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Panel title="Alerts" width={width}>
				<AlertsLine crashTitle={vm.crash} alerts={vm.alerts} width={width} />
			</Panel>
			<Panel title="Boot timeline" width={width}>
				{details ? (
					<TimelinePanel stages={details.stages} previous={details.previous} nowMs={nowMs} width={width} maxRows={8} />
				) : (
					<Text dimColor>{vm.stage ? `stage: ${vm.stage}` : 'timeline not available'}</Text>
				)}
			</Panel>
			{details?.recorded && (
				<Text dimColor wrap="truncate-end">
					{details.recorded}:
				</Text>
			)}
			<Panel title="Network MTU" width={width}>
				<MtuPanel report={details?.net ?? null} width={width} />
			</Panel>
			<Panel title="Framebuffer" width={width}>
				<FramebufferPanel report={screen} width={width} depth={depth === 'truecolor' ? 'truecolor' : '256'} />
			</Panel>
		</Box>
	);
}
