// The whole TUI frame, drawn from one View value that the controller computes per frame.
import { Box } from 'ink';
import type { VmDetails, VmSummary } from './feed.ts';
import type { ColorDepth } from '../term/colors.ts';
import { ConsolePane } from './ConsolePane.tsx';
import { HelpView } from './HelpView.tsx';
import { SidePanels } from './SidePanels.tsx';
import { StatusLine } from './StatusLine.tsx';
import { VmList } from './VmList.tsx';
import type { Layout } from './layout.ts';

export interface ConsoleView {
	vm: VmSummary;
	details?: VmDetails;
	mode: string;
	writer: boolean;
	layout: Layout;
	lines: string[];
	help: boolean;
	scroll?: string;
}

export interface View {
	width: number;
	height: number;
	prefix: string;
	depth: ColorDepth;
	message?: string;
	prompt?: string;
	list?: { vms: VmSummary[]; selected: number; help: boolean };
	console?: ConsoleView;
}

export function Root({ view }: { view: View }) {
	const { width, height } = view;
	if (view.console) {
		const c = view.console;
		const body = height - 1;
		return (
			<Box flexDirection="column" width={width} height={height}>
				<Box flexDirection="row" height={body}>
					{c.help ? (
						<HelpView prefix={view.prefix} readOnly={c.mode === 'ro' || c.mode === 'spy'} width={c.layout.paneWidth} height={body} />
					) : (
						<ConsolePane lines={c.lines} width={c.layout.paneWidth} height={body} edge={body > c.layout.paneHeight} />
					)}
					{c.layout.sideWidth > 0 && (
						<Box marginLeft={1}>
							<SidePanels vm={c.vm} details={c.details} width={c.layout.sideWidth} height={body} depth={view.depth} />
						</Box>
					)}
				</Box>
				<StatusLine vm={c.vm} mode={c.mode} writer={c.writer} width={width} prefix={view.prefix} message={view.message} prompt={view.prompt} scroll={c.scroll} />
			</Box>
		);
	}
	const l = view.list ?? { vms: [], selected: 0, help: false };
	if (l.help) return <HelpView prefix={view.prefix} readOnly width={width} height={height} />;
	return <VmList vms={l.vms} selected={l.selected} width={width} height={height} prefix={view.prefix} message={view.message ?? view.prompt} />;
}
