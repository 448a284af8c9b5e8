// The framebuffer panel: verdict, host facts (resolution, lit fraction, last change),
// the guest's viogpu line and failure rate, and the thumbnail when there is one.
import { Box, Text } from 'ink';
import type { ScreenReport } from '../devices/screen.ts';
import { formatAge } from '../devices/format.ts';
import { Thumbnail, type ThumbDepth } from './Thumbnail.tsx';

const NA = 'not available with this backend';

const verdictColor: Record<string, string> = {
	updating: 'green',
	frozen: 'yellow',
	black: 'yellow',
	'no-scanout': 'yellow',
	'no-device': 'gray',
	unknown: 'gray',
};

export function FramebufferPanel({ report, width, depth = 'truecolor' }: { report: ScreenReport | null; width: number; depth?: ThumbDepth }) {
	if (!report) return <Text dimColor>framebuffer {NA}</Text>;
	const { host, guest, verdict } = report;
	const hostLine = !host
		? `host ${NA}`
		: host.device && host.width
			? `${host.width}x${host.height} ${Math.round(100 * (host.nonBlack ?? 0))}% lit, chg ${formatAge(host.sinceChangeMs)}`
			: null;
	const failures = guest?.failures?.reduce((n, f) => n + f.count, 0) ?? 0;
	const guestLine = guest
		? `guest ${guest.name}${guest.width ? ` ${guest.width}x${guest.height}` : ''}${failures ? `, ${failures} failed${guest.failureRate !== undefined ? ` (${guest.failureRate}/min)` : ''}` : ''}`
		: 'guest no viogpu line';
	return (
		<Box flexDirection="column" width={width}>
			<Text color={verdictColor[verdict.code]} wrap="truncate-end">
				{verdict.text}
			</Text>
			{hostLine && <Text wrap="truncate-end" dimColor={!host}>{hostLine}</Text>}
			<Text wrap="truncate-end" dimColor={!guest}>{guestLine}</Text>
			{report.thumbnail && report.thumbnail.length > 0 && <Thumbnail cells={report.thumbnail} depth={depth} />}
		</Box>
	);
}
