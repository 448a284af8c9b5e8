// Framebuffer health from the host side: QMP screendump sampled at a low, adaptive rate
// (fast while the picture changes, backing off while it does not), plus the virtio-gpu
// status and queue counters that tell QEMU's placeholder from a real scanout.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Qmp } from './qmp.ts';
import { QmpError } from './qmp.ts';
import { imageFacts, parsePpm, type RgbImage } from './image.ts';
import { listVirtio, readQueueStatus, readVirtioStatus, VIRTIO_ID_GPU } from './virtio-status.ts';

/** QEMU's "Guest has not initialized the display (yet)." image. */
export const PLACEHOLDER = { width: 640, height: 480 };
/** Below this fraction of lit pixels a screen is black (a cursor alone is ~0.0001). */
export const BLACK_BELOW = 0.001;
export const FROZEN_AFTER_MS = 60_000;
/** Changes touching less than this fraction of a sparse pixel grid (a blinking cursor) do not speed sampling up. */
export const MINOR_CHANGE = 0.002;

/** Fraction of grid points (every 4th pixel both ways) that differ between two same-size images. */
export function gridDiff(a: RgbImage, b: RgbImage): number {
	if (a.width !== b.width || a.height !== b.height) return 1;
	let n = 0;
	let diff = 0;
	for (let y = 0; y < a.height; y += 4) {
		for (let x = 0; x < a.width; x += 4) {
			const i = (y * a.width + x) * 3;
			n++;
			if (a.rgb[i] !== b.rgb[i] || a.rgb[i + 1] !== b.rgb[i + 1] || a.rgb[i + 2] !== b.rgb[i + 2]) diff++;
		}
	}
	return n ? diff / n : 0;
}

export interface FramebufferState {
	/** false: QEMU has no display console at all. */
	device: boolean;
	width?: number;
	height?: number;
	nonBlack?: number;
	hash?: string;
	/** Did the last sample differ from the one before? */
	changed?: boolean;
	/** Sample time of the last change, ms since the epoch. */
	lastChange?: number;
	sampledAt?: number;
	samples: number;
	/** virtio-gpu reached DRIVER_OK; undefined without virtio-gpu (another display device). */
	driverOk?: boolean;
	/** The gpu control queue has moved since we started watching (the guest draws). */
	queueMoved?: boolean;
	error?: string;
}

export type FbVerdictCode = 'no-device' | 'no-scanout' | 'black' | 'frozen' | 'updating' | 'unknown';

export interface FbVerdict {
	code: FbVerdictCode;
	text: string;
}

export function fbVerdict(s: FramebufferState | undefined, now: number, frozenAfterMs = FROZEN_AFTER_MS): FbVerdict {
	if (!s || (s.device && s.samples === 0)) return { code: 'unknown', text: 'not available with this backend' };
	if (!s.device) return { code: 'no-device', text: 'no display device' };
	const placeholderSize = s.width === PLACEHOLDER.width && s.height === PLACEHOLDER.height;
	if (s.driverOk === false || (placeholderSize && s.driverOk !== true && !s.queueMoved)) {
		return { code: 'no-scanout', text: 'no scanout yet: the guest has not set up the display' };
	}
	if ((s.nonBlack ?? 0) < BLACK_BELOW) return { code: 'black', text: `black (${s.width}x${s.height})` };
	const since = now - (s.lastChange ?? now);
	if (since >= frozenAfterMs) return { code: 'frozen', text: `frozen: unchanged for ${Math.round(since / 1000)} s` };
	return { code: 'updating', text: `updating (${s.width}x${s.height})` };
}

export interface MonitorOptions {
	/** Where QEMU writes the dump: must be a directory QEMU can write to. */
	dumpDir?: string;
	minMs?: number;
	maxMs?: number;
	now?: () => number;
}

/** The daemon's per-VM sampler. One screendump at a time; the interval adapts. */
export class FramebufferMonitor {
	state: FramebufferState = { device: true, samples: 0 };
	image?: RgbImage;
	private qmp: Qmp;
	private dumpDir: string;
	private ownDir: boolean;
	private minMs: number;
	private maxMs: number;
	private interval: number;
	private now: () => number;
	private timer?: NodeJS.Timeout;
	private gpuPath?: string | null;
	private firstQueue?: number;
	private inflight?: Promise<FramebufferState>;
	private stopped = false;

	constructor(qmp: Qmp, opts: MonitorOptions = {}) {
		this.qmp = qmp;
		this.ownDir = !opts.dumpDir;
		this.dumpDir = opts.dumpDir ?? mkdtempSync(join(tmpdir(), 'obsdtui-fb-'));
		this.minMs = opts.minMs ?? 500;
		this.maxMs = opts.maxMs ?? 5000;
		this.interval = this.minMs;
		this.now = opts.now ?? Date.now;
	}

	start(): void {
		this.stopped = false;
		this.schedule(0);
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
	}

	/** Stop for good and remove the dump directory if we made it. */
	close(): void {
		this.stop();
		if (this.ownDir) rmSync(this.dumpDir, { recursive: true, force: true });
	}

	/** Take a sample now (joins one already in flight). */
	sample(): Promise<FramebufferState> {
		this.inflight ??= this.doSample().finally(() => {
			this.inflight = undefined;
		});
		return this.inflight;
	}

	private schedule(ms: number): void {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => {
			this.sample()
				.catch(() => {})
				.finally(() => this.schedule(this.interval));
		}, ms);
		this.timer.unref();
	}

	private async gpu(): Promise<string | null> {
		if (this.gpuPath !== undefined) return this.gpuPath;
		const devs = await listVirtio(this.qmp);
		let found: string | null = null;
		for (const d of devs ?? []) {
			if (d.name === 'virtio-gpu') found = d.path;
		}
		// Recheck the device id rather than trusting the name alone.
		if (found && (await readVirtioStatus(this.qmp, found)).deviceId !== VIRTIO_ID_GPU) found = null;
		this.gpuPath = found;
		return found;
	}

	private async doSample(): Promise<FramebufferState> {
		const file = join(this.dumpDir, 'screen.ppm');
		const at = this.now();
		const s: FramebufferState = { ...this.state };
		try {
			await this.qmp.execute('screendump', { filename: file });
		} catch (e) {
			if (e instanceof QmpError && /no console/i.test(e.message)) {
				this.state = { device: false, samples: s.samples + 1, sampledAt: at };
				this.interval = this.maxMs;
				return this.state;
			}
			throw e;
		}
		const img = parsePpm(readFileSync(file));
		const prev = this.image;
		const f = imageFacts(img);
		const gpu = await this.gpu();
		if (gpu) {
			const st = await readVirtioStatus(this.qmp, gpu);
			s.driverOk = st.statuses.includes('DRIVER_OK');
			const q = await readQueueStatus(this.qmp, gpu, 0);
			this.firstQueue ??= q.usedIdx;
			s.queueMoved = s.queueMoved || q.usedIdx !== this.firstQueue;
		}
		s.device = true;
		s.changed = s.hash !== undefined && s.hash !== f.hash;
		if (s.hash === undefined || s.changed) s.lastChange = at;
		Object.assign(s, { width: f.width, height: f.height, nonBlack: f.nonBlack, hash: f.hash, sampledAt: at, samples: s.samples + 1 });
		delete s.error;
		// A blinking cursor changes the picture forever; only a real redraw keeps the fast rate.
		const major = s.changed && (!prev || gridDiff(prev, img) >= MINOR_CHANGE);
		this.interval = major ? this.minMs : Math.min(this.maxMs, this.interval * 2);
		this.state = s;
		this.image = img;
		return s;
	}
}
