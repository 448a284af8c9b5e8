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
}

export function accessLabel(mode: string, writer: boolean): string {
	if (mode === 'ro') return 'read-only';
	if (mode === 'spy') return 'spy';
	return writer ? 'rw' : 'rw (watching: another viewer types)';
}

export function StatusLine(props: StatusProps) {
	const { vm, width } = props;
	if (props.prompt !== undefined) {
		return (
			<Box width={width} height={1}>
				<Text inverse wrap="truncate-end">{pad(props.prompt, width)}</Text>
			</Box>
		);
	}
	const fields = [
		vm.name,
		vm.state + (vm.stage ? `/${vm.stage}` : ''),
		vm.backend,
		accessLabel(props.mode, props.writer),
		`${vm.viewers} viewer${vm.viewers === 1 ? '' : 's'}`,
	];
	if (props.scroll) fields.push(props.scroll);
	const readOnly = props.mode === 'ro' || props.mode === 'spy';
	const hint = readOnly ? 'q quit · s list · ? help' : `${props.prefix} ? help`;
	const fits = (l: string, r: string) => l.length + r.length + 2 <= width;
	// On a narrow terminal: a shorter hint, then the log's file name only, then cut.
	let right = props.message ?? hint;
	let left = ' ' + fields.join(' │ ') + ' │ ' + vm.log;
	if (!fits(left, right) && !props.message) right = readOnly ? 'q quit · ? help' : `${props.prefix} ?`;
	if (!fits(left, right)) left = ' ' + fields.join(' │ ') + ' │ ' + basename(vm.log);
	const room = width - right.length - 2;
	if (left.length > room) left = left.slice(0, Math.max(0, room - 1)) + '…';
	return (
		<Box width={width} height={1}>
			<Text inverse>{pad(left, width - right.length - 1) + right + ' '}</Text>
		</Box>
	);
}

function pad(s: string, width: number): string {
	if (s.length >= width) return s.slice(0, width);
	return s + ' '.repeat(width - s.length);
}
