// Everything the daemon holds per VM for the device panels, behind two request handlers:
// the daemon creates one VmDevices per running VM, feeds it the helper's events, and
// answers the `net` and `screen` client ops with it. Backends without QMP (exec, serial,
// Apple) pass qmp null and get the guest's evidence only.
//
// A VM with a GPU has one RFB connection to its VNC server, held here for as long as the
// VM runs (the framebuffer panel and the glass reader share it): QEMU's unix socket, or
// Apple's loopback port and password, which its helper announces in a `vnc` event.
import { EventEmitter } from 'node:events';
import { UserError } from '../common/errors.ts';
import type { Device } from '../guest/index.ts';
import type { Qmp } from './qmp.ts';
import { RfbMonitor, ScreendumpMonitor, type FramebufferSource } from './framebuffer.ts';
import type { RfbClient, RfbTarget } from './rfb.ts';
import { guestVio, guestViogpu } from './guest.ts';
import { NetMonitor, netReport, type NetReport, type WireStats } from './net.ts';
import { screenReport, type ScreenReport } from './screen.ts';

export interface VmDevicesOptions {
	qmp: Qmp | null;
	/** The VM has an observe network: the helper owns its wire. */
	observe: boolean;
	/** Send a `C` control frame to the helper. */
	control: (cmd: { cmd: string } & Record<string, unknown>) => void;
	/** Sample continuously (panels shown); otherwise only on request. */
	panels?: boolean;
	/**
	 * The VM's VNC server: a target (QEMU's vnc.sock), 'helper' (Apple: wait for the
	 * helper's `vnc` event), or none (no GPU: QEMU falls back to screendump).
	 */
	vnc?: RfbTarget | 'helper';
	/** At most one RFB update request per this many ms (default 50; see RfbClient). */
	rfbIntervalMs?: number;
}

export interface NetOpArgs {
	probe?: { max?: number };
	/** A path starts recording, null stops it. */
	pcap?: string | null;
}

export interface ScreenOpArgs {
	png?: boolean;
	fresh?: boolean;
	thumb?: { cols: number; rows: number };
}

const HELPER_REPLY_MS = 3000;

/** Emits 'rfb' (client) each time the VM's RFB connection is (re)made. */
export class VmDevices extends EventEmitter {
	wire: WireStats | null = null;
	readonly net: NetMonitor | null;
	readonly fb: FramebufferSource | null;
	private opts: VmDevicesOptions;
	private netWaiters: ((w: WireStats) => void)[] = [];
	private running = false;

	constructor(opts: VmDevicesOptions) {
		super();
		this.opts = opts;
		this.net = opts.qmp ? new NetMonitor(opts.qmp) : null;
		if (opts.vnc) {
			const m = new RfbMonitor({ qmp: opts.qmp, target: opts.vnc === 'helper' ? undefined : opts.vnc, minIntervalMs: opts.rfbIntervalMs });
			m.on('rfb', (c: RfbClient) => this.emit('rfb', c));
			if (opts.vnc === 'helper') m.setError("waiting for the helper to start the VM's VNC server");
			this.fb = m;
		} else this.fb = opts.qmp ? new ScreendumpMonitor(opts.qmp) : null;
		if (opts.panels) this.setPanels(true);
		// Stats the helper collected before we connected.
		if (opts.observe) opts.control({ cmd: 'net-stats' });
	}

	/** Start or stop the periodic sampling (e.g. while a TUI shows the panels). */
	setPanels(on: boolean): void {
		if (on === this.running) return;
		this.running = on;
		if (on) {
			this.net?.start();
			this.fb?.start();
		} else {
			this.net?.stop();
			this.fb?.stop();
		}
	}

	/** The VM's RFB connection when it is up (shared with the glass reader), else null. */
	get rfb(): RfbClient | null {
		return this.fb instanceof RfbMonitor ? this.fb.client : null;
	}

	/**
	 * Give every helper event here; returns true when it was consumed: a wire event, or the
	 * VNC endpoint (Apple: `{"event":"vnc","port":N,"password":"..."}` or `{"event":"vnc",
	 * "error":"..."}`), which holds a password and must go no further (never logged or shown).
	 */
	onHelperEvent(ev: Record<string, unknown>): boolean {
		if (ev.event === 'vnc') {
			if (!(this.fb instanceof RfbMonitor)) return true;
			const port = Number(ev.port);
			if (typeof ev.error === 'string') this.fb.setError(`the VM's VNC server did not start: ${ev.error}`);
			else if (Number.isInteger(port) && port > 0 && port < 65536) this.fb.setTarget({ host: '127.0.0.1', port }, typeof ev.password === 'string' ? ev.password : undefined);
			else this.fb.setError('the helper announced no usable VNC port');
			return true;
		}
		if (ev.event !== 'net') return false;
		const { event: _e, ...stats } = ev;
		this.wire = stats as unknown as WireStats;
		const waiters = this.netWaiters;
		this.netWaiters = [];
		for (const w of waiters) w(this.wire);
		return true;
	}

	private nextWire(): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(resolve, HELPER_REPLY_MS);
			this.netWaiters.push(() => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	/** The `net` op: `{name, probe?: {max?}, pcap?: string|null}` -> `{report: NetReport}`. */
	async netOp(args: NetOpArgs, devices: readonly Device[]): Promise<{ report: NetReport }> {
		if ((args.probe || args.pcap !== undefined) && !this.opts.observe) {
			throw new UserError('this VM has no observe network (start it with --net observe,mtu=N)');
		}
		if (args.pcap !== undefined) {
			const reply = this.nextWire();
			this.opts.control(args.pcap ? { cmd: 'net-pcap', path: args.pcap } : { cmd: 'net-pcap' });
			await reply;
		}
		if (args.probe) {
			const reply = this.nextWire();
			this.opts.control({ cmd: 'net-probe', max: args.probe.max ?? 65535 });
			await reply;
		}
		const host = this.net ? (this.running && this.net.state ? this.net.state : await this.net.poll()) : null;
		return { report: netReport(host, guestVio(devices), this.opts.observe ? this.wire : null) };
	}

	/** The `screen` op: `{name, png?, fresh?, thumb?: {cols, rows}}` -> `{report: ScreenReport}`. */
	async screenOp(args: ScreenOpArgs, devices: readonly Device[], bootStart?: number): Promise<{ report: ScreenReport }> {
		const report = await screenReport(this.fb, guestViogpu(devices), { ...args, bootStart });
		return { report };
	}

	/** The VM is gone: stop sampling, close the RFB connection, remove the screendump directory. */
	close(): void {
		this.setPanels(false);
		this.fb?.close();
	}
}
