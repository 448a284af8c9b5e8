// asciicast (https://docs.asciinema.org/manual/asciicast/v2/): the format people attach to
// bug reports and play with asciinema. We read v2 (absolute times) and v3 (intervals) and
// write v2 from a raw console log plus the helper's timestamp index.
import { UserError } from '../common/errors.ts';

export interface Asciicast {
	cols: number;
	rows: number;
	/** Output events, `t` in seconds since the start, non-decreasing. */
	events: { t: number; data: string }[];
}

export function isAsciicast(text: string): boolean {
	const first = text.slice(0, text.indexOf('\n') >>> 0).trim();
	if (!first.startsWith('{')) return false;
	try {
		const h = JSON.parse(first) as { version?: unknown };
		return h.version === 2 || h.version === 3;
	} catch {
		return false;
	}
}

export function parseAsciicast(text: string): Asciicast {
	const lines = text.split('\n');
	let parsed: unknown;
	try {
		parsed = JSON.parse(lines[0]);
	} catch {
		throw new UserError('not an asciicast file: the first line is not a JSON header');
	}
	// `null` or `[]` parse too: only an object is a header.
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError('not an asciicast file: the first line is not a JSON object');
	const header = parsed as { version?: number; width?: number; height?: number; term?: { cols?: number; rows?: number } };
	if (header.version !== 2 && header.version !== 3) throw new UserError(`unsupported asciicast version ${String(header.version)}`);
	const cols = header.version === 3 ? header.term?.cols : header.width;
	const rows = header.version === 3 ? header.term?.rows : header.height;
	if (!isSize(cols) || !isSize(rows)) throw new UserError('asciicast header has no valid terminal size');
	const events: Asciicast['events'] = [];
	let t = 0;
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i].trim();
		if (line === '' || line.startsWith('#')) continue;
		let ev: unknown;
		try {
			ev = JSON.parse(line);
		} catch {
			throw new UserError(`asciicast line ${i + 1}: not JSON`);
		}
		if (!Array.isArray(ev) || typeof ev[0] !== 'number' || typeof ev[1] !== 'string') {
			throw new UserError(`asciicast line ${i + 1}: not an event`);
		}
		// v3 stores the interval since the previous event; v2 the time since the start.
		// A player trusts the times: a negative interval must not send time back, and huge
		// ones must not sum to Infinity.
		t = header.version === 3 ? t + Math.max(0, ev[0]) : Math.max(t, ev[0]);
		if (!Number.isFinite(t)) throw new UserError(`asciicast line ${i + 1}: time out of range`);
		if (ev[1] === 'o' && typeof ev[2] === 'string') events.push({ t, data: ev[2] });
	}
	return { cols, rows, events };
}

function isSize(n: unknown): n is number {
	return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 1000;
}

/** Bytes of output per event at most: a log may be bigger than one string can hold. */
const MAX_EVENT = 1 << 20;

/**
 * An asciicast v2 recording of a console log, line by line. `index` holds the helper's
 * `t OFFSET UNIXMS` records: the byte at OFFSET arrived at UNIXMS. Bytes before the first
 * record get time 0. The log is read through `read(start, end)` in pieces of at most
 * 1 MiB (a log may be 4 GiB, more than Node holds in one buffer or string); a longer
 * stretch between two records becomes several events with the same time.
 */
export function* asciicastLines(size: number, index: { offset: number; ms: number }[], cols: number, rows: number, read: (start: number, end: number) => Buffer): Generator<string> {
	const marks = index.filter((m) => m.offset >= 0 && m.offset < size).sort((a, b) => a.offset - b.offset);
	const start = marks.length ? marks[0].ms : 0;
	const header: Record<string, unknown> = { version: 2, width: cols, height: rows };
	if (marks.length) header.timestamp = Math.floor(start / 1000);
	yield JSON.stringify(header) + '\n';
	// One decoder across events: a UTF-8 character split by a record boundary stays whole.
	const decoder = new TextDecoder('utf-8');
	let t = 0;
	const cuts = [0, ...marks.map((m) => m.offset), size];
	const times = [0, ...marks.map((m) => (m.ms - start) / 1000)];
	for (let i = 0; i < cuts.length - 1; i++) {
		t = Math.max(t, times[i]);
		for (let pos = cuts[i], end = pos; pos < cuts[i + 1]; pos = end) {
			end = Math.min(cuts[i + 1], pos + MAX_EVENT);
			const data = decoder.decode(read(pos, end), { stream: end < size });
			if (data) yield JSON.stringify([Number(t.toFixed(6)), 'o', data]) + '\n';
		}
	}
}

/** asciicastLines() of a log in memory, as one string. */
export function toAsciicast(bytes: Buffer, index: { offset: number; ms: number }[], cols: number, rows: number): string {
	return [...asciicastLines(bytes.length, index, cols, rows, (s, e) => bytes.subarray(s, e))].join('');
}
