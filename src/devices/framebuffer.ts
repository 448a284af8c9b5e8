// Framebuffer health from the host side. The picture comes from the VM's VNC server over
// RFB (RfbMonitor: QEMU's `-vnc unix:VMDIR/vnc.sock`, Apple's private VNC server): the
// server sends only what changed, so an idle screen costs nothing, and the facts (lit
// fraction, content hash, last change) are kept up to date per update rectangle.
// QMP screendump sampling (ScreendumpMonitor) remains only for QEMU VMs without a `gpu`
// in their spec, which have no VNC socket (a display added through qemuArgs, or none).
// Both add the virtio-gpu status and queue counters that tell QEMU's placeholder from a
// real scanout, read from QMP on request.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pixels, Rect } from '../glass/types.ts';
import type { Qmp } from './qmp.ts';
import { QmpError } from './qmp.ts';
import { imageFacts, LIT, parsePpm, pixelsToRgb, thumbnail, thumbnailPixels, type HalfBlock, type RgbImage } from './image.ts';
import { RfbClient, type RfbTarget } from './rfb.ts';
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
	// No picture yet, and a reason (the VNC server did not start, cannot be reached).
	if (s?.device && s.samples === 0 && s.error) return { code: 'unknown', text: s.error };
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

/** What the screen op needs from either monitor. */
export interface FramebufferSource {
	readonly state: FramebufferState;
	/** The state for a report; `fresh`: as of now (a new screendump, QMP read again). */
	current(fresh: boolean): Promise<FramebufferState>;
	/** The current picture as 8-bit RGB, for a PNG. */
	rgb(): RgbImage | undefined;
	thumb(cols: number, rows: number): HalfBlock[][] | undefined;
	/** Sampling while panels are shown (the screendump fallback; the RFB stream always runs). */
	start(): void;
	stop(): void;
	close(): void;
}

/** virtio-gpu DRIVER_OK and queue movement, read from QMP when asked (never polled). */
class GpuFacts {
	private path?: string | null;
	private firstQueue?: number;
	queueMoved = false;
	driverOk?: boolean;
	private readAt = -Infinity;

	constructor(private qmp: Qmp) {}

	private async gpu(): Promise<string | null> {
		if (this.path !== undefined) return this.path;
		const devs = await listVirtio(this.qmp);
		let found: string | null = null;
		for (const d of devs ?? []) {
			if (d.name === 'virtio-gpu') found = d.path;
		}
		// Recheck the device id rather than trusting the name alone.
		if (found && (await readVirtioStatus(this.qmp, found)).deviceId !== VIRTIO_ID_GPU) found = null;
		this.path = found;
		return found;
	}

	/** Read them, unless they were read less than `maxAgeMs` ago. */
	async read(now: number, maxAgeMs: number): Promise<void> {
		if (now - this.readAt < maxAgeMs) return;
		this.readAt = now;
		const gpu = await this.gpu();
		if (!gpu) return;
		const st = await readVirtioStatus(this.qmp, gpu);
		this.driverOk = st.statuses.includes('DRIVER_OK');
		const q = await readQueueStatus(this.qmp, gpu, 0);
		this.firstQueue ??= q.usedIdx;
		this.queueMoved = this.queueMoved || q.usedIdx !== this.firstQueue;
	}
}

/** One 32-bit lane of the content hash: pixel value and position, well mixed. */
function mixA(i: number, v: number): number {
	return Math.imul(v ^ Math.imul(i, 0x9e3779b1), 0x85ebca6b) ^ (i >>> 7);
}
function mixB(i: number, v: number): number {
	return Math.imul((v + 0x7f4a7c15) ^ Math.imul(i, 0xc2b2ae35), 0x27d4eb2f);
}
function lit(v: number): number {
	return ((v >> 16) & 0xff) > LIT || ((v >> 8) & 0xff) > LIT || (v & 0xff) > LIT ? 1 : 0;
}

export interface RfbMonitorOptions {
	/** Where the VNC server is; omitted: wait for setTarget (Apple: the helper's vnc event). */
	target?: RfbTarget;
	password?: string;
	/** For the virtio-gpu facts (QEMU). */
	qmp?: Qmp | null;
	now?: () => number;
	/** Pause between reconnection attempts while the VM runs (default 1 s). */
	retryMs?: number;
	minIntervalMs?: number;
}

/**
 * The daemon's per-VM picture over RFB. It holds one connection (reconnecting while not
 * closed), keeps a copy of the last picture to tell real changes from repeated pixels, and
 * maintains the lit count and an order-independent content hash per update rectangle, so
 * the cost follows what changed, not the screen size. Emits 'rfb' (client) on every
 * (re)connection: the glass reader shares the client.
 */
export class RfbMonitor extends EventEmitter implements FramebufferSource {
	state: FramebufferState = { device: true, samples: 0 };
	client: RfbClient | null = null;
	private target?: RfbTarget;
	private password?: string;
	private gpu: GpuFacts | null;
	private now: () => number;
	private retryMs: number;
	private minIntervalMs: number;
	private prev = new Uint32Array(0);
	private litCount = 0;
	private hashA = 0;
	private hashB = 0;
	/** Bumped on every real change: the thumbnail is cached per version. */
	private version = 0;
	private thumbCache?: { version: number; key: string; value: HalfBlock[][] };
	private closed = false;
	private connecting = false;
	private retryTimer?: NodeJS.Timeout;
	private firstPicture: (() => void)[] = [];

	constructor(opts: RfbMonitorOptions) {
		super();
		this.gpu = opts.qmp ? new GpuFacts(opts.qmp) : null;
		this.now = opts.now ?? Date.now;
		this.retryMs = opts.retryMs ?? 1000;
		this.minIntervalMs = opts.minIntervalMs ?? 50;
		if (opts.target) this.setTarget(opts.target, opts.password);
	}

	/** Connect to this VNC server (a new one replaces the old: a new boot, a new password). */
	setTarget(target: RfbTarget, password?: string): void {
		this.target = target;
		this.password = password;
		delete this.state.error;
		const old = this.client;
		this.client = null;
		old?.close();
		this.connect();
	}

	/** There will be no picture, and why (the VM's VNC server did not start). */
	setError(message: string): void {
		this.state = { ...this.state, error: message };
	}

	private connect(): void {
		if (this.closed || this.connecting || this.client || !this.target) return;
		this.connecting = true;
		clearTimeout(this.retryTimer);
		const target = this.target;
		RfbClient.connect(target, { password: this.password, timeoutMs: 10_000, minIntervalMs: this.minIntervalMs }).then(
			(c) => {
				this.connecting = false;
				if (this.closed || target !== this.target) return c.close();
				this.client = c;
				delete this.state.error;
				this.reset(c.fb);
				c.on('update', (rects: Rect[]) => this.onUpdate(c, rects));
				c.on('resize', () => this.reset(c.fb));
				c.on('close', (err?: Error) => {
					if (this.client === c) this.client = null;
					// Without an error we closed it ourselves (closing, or a new target).
					if (!err) return;
					this.state = { ...this.state, error: err.message };
					this.retry();
				});
				this.emit('rfb', c);
			},
			(err: Error) => {
				this.connecting = false;
				this.state = { ...this.state, error: err.message };
				// Whoever waits for a first picture gets the reason now.
				for (const w of this.firstPicture.splice(0)) w();
				this.retry();
			},
		);
	}

	private retry(): void {
		if (this.closed) return;
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
		this.retryTimer.unref();
	}

	/**
	 * A new framebuffer (connected, or the resolution changed): recount everything once.
	 * Its pixels are not a picture yet (zeros until the full update the client asked for):
	 * the next update counts as a change even if it is all black.
	 */
	private reset(fb: Pixels): void {
		this.prev = Uint32Array.from(fb.data);
		this.litCount = 0;
		this.hashA = 0;
		this.hashB = 0;
		for (let i = 0; i < fb.data.length; i++) this.account(i, fb.data[i], 1);
		this.awaitingPicture = true;
	}
	private awaitingPicture = true;

	private account(i: number, v: number, sign: 1 | -1): void {
		this.litCount += sign * lit(v);
		this.hashA = (this.hashA + sign * mixA(i, v)) >>> 0;
		this.hashB = (this.hashB + sign * mixB(i, v)) >>> 0;
	}

	private onUpdate(c: RfbClient, rects: Rect[]): void {
		const fb = c.fb;
		if (this.prev.length !== fb.data.length) this.reset(fb);
		const { data, width } = fb;
		let changed = this.awaitingPicture;
		this.awaitingPicture = false;
		for (const r of rects) {
			for (let y = r.y; y < r.y + r.h; y++) {
				for (let i = y * width + r.x, end = i + r.w; i < end; i++) {
					const v = data[i];
					const old = this.prev[i];
					if (v === old) continue;
					this.account(i, old, -1);
					this.account(i, v, 1);
					this.prev[i] = v;
					changed = true;
				}
			}
		}
		// Pixels sent again unchanged are not a change (a server may resend a region).
		if (!changed) return;
		const at = this.now();
		const n = fb.width * fb.height;
		this.version++;
		this.state = {
			...this.state,
			device: true,
			width: fb.width,
			height: fb.height,
			nonBlack: n ? this.litCount / n : 0,
			hash: this.hashA.toString(16).padStart(8, '0') + this.hashB.toString(16).padStart(8, '0'),
			lastChange: at,
			sampledAt: at,
			samples: this.state.samples + 1,
		};
		for (const w of this.firstPicture.splice(0)) w();
	}

	/**
	 * The state now, with the virtio-gpu facts read from QMP: always when `fresh`, else
	 * only after the picture changed (at most every 2 s) and until the driver is up and
	 * drawing. Before the first picture it waits for one, up to 3 s.
	 */
	async current(fresh = false): Promise<FramebufferState> {
		if (this.state.samples === 0 && this.target && !this.closed && !(this.state.error && !this.connecting)) {
			await new Promise<void>((resolve) => {
				const t = setTimeout(resolve, 3000);
				this.firstPicture.push(() => {
					clearTimeout(t);
					resolve();
				});
			});
		}
		// The facts change only with the picture (a mode set, the first drawing): an idle,
		// still screen costs no QMP traffic, and once the driver is up and drawing there is
		// nothing more to learn unless someone asks for a fresh report.
		if (this.gpu && (fresh || (this.version !== this.gpuReadAt && !(this.gpu.driverOk && this.gpu.queueMoved)))) {
			this.gpuReadAt = this.version;
			await this.gpu.read(this.now(), fresh ? 0 : 2000);
		}
		const s = { ...this.state };
		if (this.gpu?.driverOk !== undefined) {
			s.driverOk = this.gpu.driverOk;
			s.queueMoved = this.gpu.queueMoved;
		}
		// "changed": the picture differs from what the previous sample saw.
		s.changed = this.reported !== undefined && this.reported !== s.hash;
		this.reported = s.hash;
		return s;
	}
	private reported?: string;
	private gpuReadAt = -1;

	rgb(): RgbImage | undefined {
		return this.client && this.state.samples ? pixelsToRgb(this.client.fb) : undefined;
	}

	thumb(cols: number, rows: number): HalfBlock[][] | undefined {
		if (!this.client || !this.state.samples) return undefined;
		const key = `${cols}x${rows}`;
		if (this.thumbCache?.version === this.version && this.thumbCache.key === key) return this.thumbCache.value;
		const value = thumbnailPixels(this.client.fb, cols, rows);
		this.thumbCache = { version: this.version, key, value };
		return value;
	}

	start(): void {}
	stop(): void {}

	close(): void {
		this.closed = true;
		clearTimeout(this.retryTimer);
		this.client?.close();
		this.client = null;
		for (const w of this.firstPicture.splice(0)) w();
	}
}

/**
 * The fallback for QEMU VMs without a `gpu` in their spec (no VNC socket): QMP screendump
 * at a low, adaptive rate while panels are shown. One screendump at a time.
 */
export class ScreendumpMonitor implements FramebufferSource {
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
	private gpu: GpuFacts;
	private inflight?: Promise<FramebufferState>;
	private stopped = false;

	constructor(qmp: Qmp, opts: MonitorOptions = {}) {
		this.qmp = qmp;
		this.gpu = new GpuFacts(qmp);
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

	rgb(): RgbImage | undefined {
		return this.state.device ? this.image : undefined;
	}

	thumb(cols: number, rows: number): HalfBlock[][] | undefined {
		return this.state.device && this.image ? thumbnail(this.image, cols, rows) : undefined;
	}

	async current(fresh: boolean): Promise<FramebufferState> {
		if (fresh || this.state.samples === 0) await this.sample();
		return this.state;
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
		await this.gpu.read(at, 0);
		if (this.gpu.driverOk !== undefined) {
			s.driverOk = this.gpu.driverOk;
			s.queueMoved = this.gpu.queueMoved;
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
