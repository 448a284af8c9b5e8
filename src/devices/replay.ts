// Panels in replay: only what the log recorded (the guest's own lines) is evidence; the
// host and wire witnesses did not leave a trace in the console, so they say so, unless
// the recording comes with device evidence saved from the same run (RecordedDevices).
import type { GuestSummary } from '../guest/index.ts';
import { guestVio, guestViogpu, latestDevices } from './guest.ts';
import { netReport, type NetReport } from './net.ts';
import { gpuFailureRate, type ScreenReport } from './screen.ts';
import type { HalfBlock } from './image.ts';

export function replayNetReport(summary: GuestSummary | null | undefined): NetReport {
	return netReport(null, guestVio(latestDevices(summary)), null);
}

/** `bootStart`/`now` (ms) turn viogpu failure counts into a rate when the log has timestamps. */
export function replayScreenReport(summary: GuestSummary | null | undefined, times: { bootStart?: number; now?: number } = {}): ScreenReport {
	const g = guestViogpu(latestDevices(summary));
	const guest = g ? { ...g, failureRate: gpuFailureRate(g, times.bootStart, times.now ?? 0) } : null;
	const text = g?.width ? `guest set ${g.width}x${g.height}; pixels not available with this backend` : 'not available with this backend';
	return { host: null, guest, verdict: { code: 'unknown', text } };
}

/**
 * Device evidence saved from a real run (share/demo/capture-devices.mjs): what `net --json`
 * and `screen --json` reported, and the thumbnail, taken `at` seconds into the recording.
 */
export interface RecordedDevices {
	/** Where it comes from, shown above the panels ("recorded from the Linux test guest"). */
	source: string;
	at: number;
	net: NetReport | null;
	screen: ScreenReport | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasVerdict = (v: unknown) => isObject(v) && isObject(v.verdict) && typeof v.verdict.code === 'string' && typeof v.verdict.text === 'string';
const isByte = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255;
const isRgb = (c: unknown) => Array.isArray(c) && c.length === 3 && c.every(isByte);
// A thumbnail larger than this is not one the TUI asked for.
const THUMB_MAX = 64;

function validThumbnail(t: unknown): t is HalfBlock[][] {
	return Array.isArray(t) && t.length <= THUMB_MAX && t.every((row) => Array.isArray(row) && row.length <= THUMB_MAX && row.every((cell) => isObject(cell) && isRgb(cell.top) && isRgb(cell.bottom)));
}

/** Parses a `*.devices.json` file; a malformed one is an error naming what is wrong. */
export function parseRecordedDevices(text: string): RecordedDevices {
	let j: unknown;
	try {
		j = JSON.parse(text);
	} catch (err) {
		throw new Error(`recorded device evidence is not JSON: ${(err as Error).message}`);
	}
	if (!isObject(j)) throw new Error('recorded device evidence is not a JSON object');
	if (typeof j.source !== 'string' || !j.source) throw new Error("recorded device evidence has no 'source'");
	if (typeof j.at !== 'number' || !Number.isFinite(j.at) || j.at < 0) throw new Error("recorded device evidence has no valid 'at' (seconds into the recording)");
	if (j.net != null && !hasVerdict(j.net)) throw new Error("recorded device evidence: 'net' is not a net report");
	if (j.screen != null && !hasVerdict(j.screen)) throw new Error("recorded device evidence: 'screen' is not a screen report");
	let screen = (j.screen ?? null) as ScreenReport | null;
	if (screen?.thumbnail !== undefined && !validThumbnail(screen.thumbnail)) {
		const { thumbnail: _bad, ...rest } = screen;
		screen = rest;
	}
	return { source: j.source, at: j.at, net: (j.net ?? null) as NetReport | null, screen };
}
