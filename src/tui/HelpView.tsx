// `prefix ?`: the keys, drawn in place of the console pane.
import { Box, Text } from 'ink';

export function helpLines(prefix: string, readOnly: boolean): string[] {
	const p = readOnly ? '' : `${prefix} `;
	return [
		readOnly
			? 'Read-only console: keys are commands (the prefix works too).'
			: `Keys go to the guest. Commands start with the prefix ${prefix}:`,
		'',
		`  ${p}d    detach`,
		`  ${p}s    switch VM (the VM list)`,
		`  ${p}p    show or hide the side panels`,
		`  ${p}[    scrollback: ↑ ↓ PgUp PgDn g G, / search, n older, N newer, q back`,
		`  ${p}t    take over the console from another viewer`,
		`  ${p}b    send BREAK (asks first: it can drop OpenBSD into ddb)`,
		`  ${p}r    the sendbug report of this console so far`,
		`  ${p}g    the glass console (the framebuffer read as text) or back to serial`,
		`  ${p}?    this help`,
		`  ${p}q    quit`,
		readOnly ? '' : `  ${prefix} ${prefix}  send ${prefix} itself to the guest`,
		'',
		'Any key closes this help.',
	];
}

export function HelpView({ prefix, readOnly, width, height }: { prefix: string; readOnly: boolean; width: number; height: number }) {
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{helpLines(prefix, readOnly).map((l, i) => (
				<Text key={i} wrap="truncate-end">
					{l || ' '}
				</Text>
			))}
		</Box>
	);
}
