// A framebuffer thumbnail in half-block cells: each ▀ shows two pixels, the upper as
// foreground and the lower as background. Runs of equal cells share one Text so a
// mostly-uniform screen costs a few elements per row, not one per cell.
import { Box, Text } from 'ink';
import type { HalfBlock, Rgb } from '../devices/image.ts';

export type ThumbDepth = 'truecolor' | '256';

function hex(c: Rgb): string {
	return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}

// The xterm 6x6x6 cube and grey ramp; nearest by squared distance over both.
function ansi256(c: Rgb): number {
	const level = (v: number) => (v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40)));
	const cube = (i: number) => (i === 0 ? 0 : 55 + i * 40);
	const [r, g, b] = c.map(level);
	const cubeRgb = [cube(r), cube(g), cube(b)];
	const grey = Math.max(0, Math.min(23, Math.round(((c[0] + c[1] + c[2]) / 3 - 8) / 10)));
	const greyV = 8 + grey * 10;
	const d = (x: number[]) => (x[0] - c[0]) ** 2 + (x[1] - c[1]) ** 2 + (x[2] - c[2]) ** 2;
	return d([greyV, greyV, greyV]) < d(cubeRgb) ? 232 + grey : 16 + 36 * r + 6 * g + b;
}

export function cellColor(c: Rgb, depth: ThumbDepth): string {
	return depth === 'truecolor' ? hex(c) : `ansi256(${ansi256(c)})`;
}

export interface Run {
	fg: string;
	bg: string;
	count: number;
}

export function thumbRuns(row: HalfBlock[], depth: ThumbDepth): Run[] {
	const runs: Run[] = [];
	for (const cell of row) {
		const fg = cellColor(cell.top, depth);
		const bg = cellColor(cell.bottom, depth);
		const last = runs.at(-1);
		if (last && last.fg === fg && last.bg === bg) last.count++;
		else runs.push({ fg, bg, count: 1 });
	}
	return runs;
}

export function Thumbnail({ cells, depth }: { cells: HalfBlock[][]; depth: ThumbDepth }) {
	return (
		<Box flexDirection="column">
			{cells.map((row, y) => (
				<Text key={y}>
					{thumbRuns(row, depth).map((r, i) => (
						<Text key={i} color={r.fg} backgroundColor={r.bg}>
							{'▀'.repeat(r.count)}
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}
