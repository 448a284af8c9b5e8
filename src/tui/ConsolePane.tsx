// The guest screen, one <Text> per row. The rows are built by GuestScreen.renderLine from
// the viewer's own screen model: only SGR we generate reaches the terminal.
import { memo } from 'react';
import { Box, Text } from 'ink';

export interface ConsolePaneProps {
	lines: string[];
	width: number;
	height: number;
	/** Mark the guest's bottom edge when the pane is taller than the guest (letterbox). */
	edge?: boolean;
}

const Row = memo(function Row({ text }: { text: string }) {
	return <Text wrap="truncate-end">{text === '' ? ' ' : text}</Text>;
});

export function ConsolePane({ lines, width, height, edge }: ConsolePaneProps) {
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{lines.slice(0, height).map((text, y) => (
				<Row key={y} text={text} />
			))}
			{edge && lines.length < height && <Text dimColor>{'╌'.repeat(width)}</Text>}
		</Box>
	);
}
