// A scrollable view of a report. The parent owns the scroll offset (keys live in the TUI
// controller); this only draws lines [offset, offset + height) and where they are.
import { Box, Text } from 'ink';

export function clampOffset(offset: number, total: number, height: number): number {
	return Math.max(0, Math.min(offset, total - height));
}

export function ReportPreview({ text, offset, height, width }: { text: string; offset: number; height: number; width: number }) {
	const lines = text.replace(/\n$/, '').split('\n');
	const body = Math.max(1, height - 1);
	const top = clampOffset(offset, lines.length, body);
	const shown = lines.slice(top, top + body);
	return (
		<Box flexDirection="column" width={width}>
			{shown.map((l, i) => (
				<Text key={i} wrap="truncate-end">
					{l.replaceAll('\t', '  ') || ' '}
				</Text>
			))}
			<Text dimColor wrap="truncate-end">{`lines ${top + 1}-${top + shown.length} of ${lines.length}`}</Text>
		</Box>
	);
}
