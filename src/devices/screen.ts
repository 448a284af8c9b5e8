// The daemon side of `obsdtui screen NAME` and the framebuffer panel: the monitor's
// latest state (the RFB stream, or the screendump fallback), the guest's viogpu facts, a
// verdict, and on request a thumbnail or a PNG.
import { fbVerdict, type FbVerdict, type FramebufferSource, type FramebufferState } from './framebuffer.ts';
import { encodePng, type HalfBlock } from './image.ts';
import type { ViogpuFacts } from './guest.ts';

export interface GuestGpuFacts extends ViogpuFacts {
	/** failed … lines per minute over the boot so far; a storm shows as a rate, not a flood. */
	failureRate?: number;
}

export interface ScreenReport {
	host: (FramebufferState & { sinceChangeMs?: number }) | null;
	guest: GuestGpuFacts | null;
	verdict: FbVerdict;
	thumbnail?: HalfBlock[][];
	/** base64 PNG of the full screen. */
	png?: string;
}

export interface ScreenReportOptions {
	png?: boolean;
	thumb?: { cols: number; rows: number };
	/** Take a fresh sample first (the CLI wants now, the panel takes what is there). */
	fresh?: boolean;
	now?: number;
	/** For the failure rate: when the guest's boot started, ms since the epoch. */
	bootStart?: number;
}

export function gpuFailureRate(g: ViogpuFacts | null | undefined, bootStart: number | undefined, now: number): number | undefined {
	if (!g?.failures?.length || bootStart === undefined) return undefined;
	const total = g.failures.reduce((n, f) => n + f.count, 0);
	const minutes = Math.max(1 / 60, (now - bootStart) / 60_000);
	return Math.round((total / minutes) * 10) / 10;
}

export async function screenReport(monitor: FramebufferSource | null | undefined, guest: ViogpuFacts | null | undefined, opts: ScreenReportOptions = {}): Promise<ScreenReport> {
	const state = monitor ? await monitor.current(opts.fresh === true) : undefined;
	const now = opts.now ?? Date.now();
	const host = state ? { ...state, sinceChangeMs: state.lastChange === undefined ? undefined : now - state.lastChange } : null;
	const g: GuestGpuFacts | null = guest ? { ...guest, failureRate: gpuFailureRate(guest, opts.bootStart, now) } : null;
	const report: ScreenReport = { host, guest: g, verdict: fbVerdict(state, now) };
	if (!monitor && g?.width) report.verdict = { code: 'unknown', text: `guest set ${g.width}x${g.height}; pixels not available with this backend` };
	if (monitor && opts.thumb) report.thumbnail = monitor.thumb(opts.thumb.cols, opts.thumb.rows);
	if (monitor && opts.png) {
		const img = monitor.rgb();
		if (img) report.png = encodePng(img).toString('base64');
	}
	if (!report.thumbnail) delete report.thumbnail;
	return report;
}
