// What the controller computes per frame, and the Ink screens that take all of it.
import type { VmDetails, VmSummary } from './feed.ts';
import type { ColorDepth } from '../term/colors.ts';
import { HelpView } from './HelpView.tsx';
import { VmList } from './VmList.tsx';
import type { Layout } from './layout.ts';

export interface ConsoleView {
	vm: VmSummary;
	details?: VmDetails;
	mode: string;
	writer: boolean;
	/** The pane shows the glass console (the framebuffer read as text). */
	glass?: boolean;
	layout: Layout;
	lines: string[];
	help: boolean;
	scroll?: string;
	/** Where the guest's cursor is in the pane, when the user types into it. */
	cursor?: { x: number; y: number };
	/** The sendbug report view, in place of the pane. */
	report?: { text: string; offset: number };
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

/** The screens drawn entirely by Ink: the VM list and its help. The console view is
 * composed by paint.tsx (pane rows painted directly, side column through Ink). */
export function Root({ view }: { view: View }) {
	const { width, height } = view;
	const l = view.list ?? { vms: [], selected: 0, help: false };
	if (l.help) return <HelpView prefix={view.prefix} readOnly width={width} height={height} />;
	return <VmList vms={l.vms} selected={l.selected} width={width} height={height} prefix={view.prefix} message={view.message ?? view.prompt} mono={view.depth === 'mono'} />;
}
