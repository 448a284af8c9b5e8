// Panels in replay: only what the log recorded (the guest's own lines) is evidence; the
// host and wire witnesses did not leave a trace in the console, so they say so.
import type { GuestSummary } from '../guest/index.ts';
import { guestVio, guestViogpu, latestDevices } from './guest.ts';
import { netReport, type NetReport } from './net.ts';
import { gpuFailureRate, type ScreenReport } from './screen.ts';

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
