// Boot timeline: each stage with the time spent in it, against the previous boot of the
// same VM when there is one. Props only; stages come from the guest parser.
import { Box, Text } from 'ink';
import type { Stage } from '../guest/types.ts';

export interface StageTime {
	name: string;
	ms: number;
	current: boolean;
	/** This stage's time minus the previous boot's time in the same stage. */
	deltaMs: number | null;
}

/** Time in each stage; the last one is still running at nowMs. */
export function stageTimes(stages: Stage[], nowMs: number, previous?: Stage[] | null): StageTime[] {
	const prev = new Map<string, number>();
	if (previous) {
		for (let i = 0; i + 1 < previous.length; i++) {
			if (!prev.has(previous[i].name)) prev.set(previous[i].name, previous[i + 1].atMs - previous[i].atMs);
		}
	}
	const seen = new Set<string>();
	return stages.map((s, i) => {
		const current = i === stages.length - 1;
		const ms = Math.max(0, (current ? nowMs : stages[i + 1].atMs) - s.atMs);
		const first = !seen.has(s.name);
		seen.add(s.name);
		const p = first ? prev.get(s.name) : undefined;
		return { name: s.name, ms, current, deltaMs: p === undefined || current ? null : ms - p };
	});
}

export function formatDuration(ms: number): string {
	const s = ms / 1000;
	if (s < 10) return `${s.toFixed(1)}s`;
	if (s < 60) return `${Math.floor(s)}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
	return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatDelta(ms: number): string {
	// Under a tenth of a second is noise in a boot.
	if (Math.abs(ms) < 100) return '=';
	return `${ms > 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;
}

export function TimelinePanel({
	stages,
	previous,
	nowMs,
	width,
	maxRows = 12,
}: {
	stages: Stage[];
	previous?: Stage[] | null;
	nowMs: number;
	width: number;
	maxRows?: number;
}) {
	if (stages.length === 0) return <Text dimColor>no boot stage yet</Text>;
	const rows = stageTimes(stages, nowMs, previous);
	const shown = rows.slice(-maxRows);
	const nameW = Math.max(4, Math.min(10, width - 16));
	return (
		<Box flexDirection="column" width={width}>
			{rows.length > shown.length ? <Text dimColor>{`… ${rows.length - shown.length} earlier`}</Text> : null}
			{shown.map((r, i) => {
				const delta = r.deltaMs === null ? '' : formatDelta(r.deltaMs);
				const line = `${r.current ? '>' : ' '}${r.name.slice(0, nameW).padEnd(nameW)} ${formatDuration(r.ms).padStart(6)} ${delta.padStart(7)}`.trimEnd();
				const slower = r.deltaMs !== null && r.deltaMs >= 1000;
				return (
					<Text key={i} bold={r.current} color={r.name === 'panic' || r.name === 'ddb' ? 'red' : slower ? 'yellow' : undefined} wrap="truncate-end">
						{line}
					</Text>
				);
			})}
		</Box>
	);
}
