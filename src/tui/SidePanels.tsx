// The side column next to the console: alerts, boot timeline, MTU and framebuffer. A
// panel whose evidence this source lacks says "not available", so the layout is always
// the same; the column collapses when the terminal is too narrow (see layout.ts).
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { ColorDepth } from '../term/colors.ts';
import type { VmDetails, VmSummary } from './feed.ts';
import { MtuPanel } from './MtuPanel.tsx';
import { FramebufferPanel } from './FramebufferPanel.tsx';

export interface SidePanelsProps {
	vm: VmSummary;
	details?: VmDetails;
	width: number;
	height: number;
	depth: ColorDepth;
}

function Panel({ title, width, children }: { title: string; width: number; children: ReactNode }) {
	return (
		<Box flexDirection="column" width={width} marginBottom={1}>
			<Text bold>{title}</Text>
			{children}
		</Box>
	);
}

/** The stages of the current boot, oldest first, with seconds since the first (when timed). */
export function timelineLines(details: VmDetails | undefined, max: number): string[] {
	const stages = details?.stages ?? [];
	if (!stages.length) return [];
	const t0 = stages[0].atMs;
	const lines = stages.map((s) => (t0 && s.atMs ? `${((s.atMs - t0) / 1000).toFixed(1).padStart(6)}s ${s.name}` : s.name));
	return lines.length > max ? ['…', ...lines.slice(-(max - 1))] : lines;
}

export function SidePanels({ vm, details, width, height, depth }: SidePanelsProps) {
	const alerts = vm.alerts.slice(-3);
	const timeline = timelineLines(details, 6);
	// Thumbnails need real colours; a 16-colour or NO_COLOR terminal gets the text only.
	const screen = details?.screen && (depth === 'truecolor' || depth === '256') ? details.screen : details?.screen ? { ...details.screen, thumbnail: undefined } : null;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Panel title="Alerts" width={width}>
				{alerts.length === 0 ? (
					<Text dimColor>none</Text>
				) : (
					alerts.map((a, i) => (
						<Text key={i} color={depth === 'mono' ? undefined : 'red'} wrap="truncate-end">
							{a}
						</Text>
					))
				)}
			</Panel>
			<Panel title="Boot timeline" width={width}>
				{timeline.length ? (
					timeline.map((l, i) => (
						<Text key={i} wrap="truncate-end" bold={i === timeline.length - 1}>
							{l}
						</Text>
					))
				) : (
					<Text dimColor>{vm.stage ? `stage: ${vm.stage}` : 'timeline not available'}</Text>
				)}
			</Panel>
			<Panel title="Network MTU" width={width}>
				<MtuPanel report={details?.net ?? null} width={width} />
			</Panel>
			<Panel title="Framebuffer" width={width}>
				<FramebufferPanel report={screen} width={width} depth={depth === 'truecolor' ? 'truecolor' : '256'} />
			</Panel>
		</Box>
	);
}
