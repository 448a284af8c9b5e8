// The line at the bottom of the console view: which VM, in what state, whether our keys
// reach it, who else is watching, and where its log is. A prompt (search, confirm)
// takes the line over while it is open.
import { basename } from 'node:path';
import { Box, Text } from 'ink';
import type { VmSummary } from './feed.ts';

export interface StatusProps {
	vm: VmSummary;
	/** 'rw' with the write seat, 'rw' without it (someone else types), 'spy' or 'ro'. */
	mode: string;
	writer: boolean;
	width: number;
	prefix: string;
	message?: string;
	prompt?: string;
	scroll?: string;
	/** The pane shows the glass console (the framebuffer read as text). */
	glass?: boolean;
}

export function accessLabel(mode: string, writer: boolean): string {
	if (mode === 'ro') return 'read-only';
	if (mode === 'spy') return 'spy';
	return writer ? 'rw' : 'rw (watching: another viewer types)';
}

/** The status line as plain text, exactly `width` columns (drawn inverse). */
export function statusText(props: StatusProps): string {
	const { vm, width } = props;
	if (props.prompt !== undefined) return pad(props.prompt, width);
	const fields = [
		vm.name,
		vm.state + (vm.stage ? `/${vm.stage}` : ''),
		vm.backend + (props.glass ? ' glass' : ''),
		accessLabel(props.mode, props.writer),
		`${vm.viewers} viewer${vm.viewers === 1 ? '' : 's'}`,
	];
	if (props.scroll) fields.push(props.scroll);
	// Only a recording takes commands without the prefix.
	const hint = props.mode === 'ro' ? 'q quit · s list · ? help' : `${props.prefix} ? help`;
	const fits = (l: string, r: string) => l.length + r.length + 2 <= width;
	// On a narrow terminal: a shorter hint, then the log's file name only, then cut.
	let right = (props.message ?? hint).slice(0, Math.max(0, width - 2));
	const log = props.glass ? vm.log.replace(/\.log$/, '.glass') : vm.log;
	let left = ' ' + fields.join(' │ ') + ' │ ' + log;
	if (!fits(left, right) && !props.message) right = props.mode === 'ro' ? 'q quit · ? help' : `${props.prefix} ?`;
	if (!fits(left, right)) left = ' ' + fields.join(' │ ') + ' │ ' + basename(log);
	const room = width - right.length - 2;
	if (left.length > room) left = left.slice(0, Math.max(0, room - 1)) + '…';
	return pad(pad(left, width - right.length - 1) + right + ' ', width);
}

export function StatusLine(props: StatusProps) {
	return (
		<Box width={props.width} height={1}>
			<Text inverse>{statusText(props)}</Text>
		</Box>
	);
}

function pad(s: string, width: number): string {
	if (s.length >= width) return s.slice(0, width);
	return s + ' '.repeat(width - s.length);
}
