// One VM as the daemon sees it: the connection to its helper, the authoritative screen,
// the live guest parser, the viewers and who holds the write seat.
//
// The daemon never owns the VM. It can lose the helper connection (daemon restart) and
// adopt it again; whatever it missed is read back from the log, because the helper
// wrote it there first and every output frame says where in the log it starts.
import { EventEmitter } from 'node:events';
import { existsSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { VmSpec } from '../common/spec.ts';
import { UserError, errorMessage } from '../common/errors.ts';
import { HelperConnection, type HelperHello } from '../helper/connection.ts';
import { bootLogPath, bootIndexPath, listBoots, readIndex, readLogRange } from '../helper/logfiles.ts';
import { GuestParser } from '../guest/index.ts';
import { Qmp } from '../devices/qmp.ts';
import { VmDevices } from '../devices/vm-devices.ts';
import type { Device, Stage } from '../guest/index.ts';
import { stagesOfBoot } from './boot-history.ts';
import { qmpSocketPath, vncSocketPath } from '../helper/qemu.ts';
import { ConsoleScreen } from './screen.ts';
import { TextWindow } from './text-window.ts';
import { UserPattern } from './user-pattern.ts';
import { Viewer, type ViewerMode } from './viewer.ts';
import { encodeData } from '../common/frame.ts';
import { GlassConsole, type GlassRfb, type GlassStatus } from './glass.ts';
import { GLASS_BREAK } from '../glass/keys.ts';
import { GlassReader } from '../glass/reader.ts';
import { ScrollTracker } from '../glass/tracker.ts';
import type { Font } from '../glass/types.ts';
import { spleenFonts } from '../glass/spleen.ts';
import { loadFont } from '../devices/glass-files.ts';
import type { LiveState } from '../guest/index.ts';
import { installerAnswer } from '../image/autoinstall.ts';

/** created: made by `obsdtui create`, never started. */
export type VmState = 'created' | 'starting' | 'running' | 'stopping' | 'exited' | 'lost';

export interface VmInfo {
	name: string;
	backend: string;
	state: VmState;
	boot: number;
	helper_pid?: number;
	child_pid?: number;
	stage?: string;
	prompt?: string | null;
	alerts: string[];
	crash?: string;
	viewers: number;
	writer?: string;
	log: string;
	cols: number;
	rows: number;
	started_ms?: number;
	exit?: { status: number | null; signal: string | null };
	/** The framebuffer console read as text (VMs with a display). */
	glass?: GlassStatus;
	/** Which console the stage, prompt and crash come from: the one with kernel output. */
	kernel_console?: 'serial' | 'glass';
}

/** How much of the log tail rebuilds a screen (on adoption, or after input was dropped). */
const SCREEN_TAIL = 256 * 1024;
const CHUNK = 1024 * 1024;

/** A full log is an alert as long as the boot is shown: what follows is on screen only. */
function logFullAlert(max: number): string {
	const mib = max / (1024 * 1024);
	return `console log full at ${Number.isInteger(mib) ? `${mib} MiB` : `${max} bytes`}: output is no longer logged`;
}

export type WaitSource = 'serial' | 'glass' | 'any';

interface Waiter {
	re: RegExp;
	since: number;
	glassSince: number;
	source: WaitSource;
	resolve: (text: string) => void;
	reject: (err: Error) => void;
	/** A user's pattern: matched in a worker with a time budget (src/daemon/user-pattern.ts). */
	user?: UserPattern;
	/** A worker match is running. */
	busy?: boolean;
	/** The text windows' marks when the running (or last) worker match was started. */
	polledAt?: string;
	/** The VM stopped: fail once the text it printed has been matched. */
	stopped?: boolean;
	/** It was not running when the wait began. */
	notRunning?: boolean;
}

export class Vm extends EventEmitter {
	readonly name: string;
	readonly dir: string;
	readonly spec: VmSpec;
	/** Text mark after the last installer answer, and how often the location was given (autoinstall). */
	private answeredMark = 0;
	private locationAnswers = 0;
	boot: number;
	state: VmState = 'starting';
	helper?: HelperConnection;
	hello?: HelperHello;
	exit?: { status: number | null; signal: string | null };
	qmp?: Qmp;
	/** Device evidence for the MTU and framebuffer panels (created once QMP answers, for QEMU). */
	devices?: VmDevices;
	/** The newest wire statistics event, kept until `devices` exists. */
	private pendingWire?: Record<string, unknown>;
	/** Apple's VNC endpoint (port and password: memory only, never logged), kept for `devices`. */
	private pendingVnc?: Record<string, unknown>;
	/** Clients that show the device panels: sampling runs only while there are some. */
	readonly panelWatchers = new Set<object>();
	screen: ConsoleScreen;
	parser: GuestParser;
	text = new TextWindow();
	/** The glass console (framebuffer read as text), for VMs with a display. */
	glass?: GlassConsole;
	private glassNotice?: string;
	/** Log offset up to which the screen, parser and viewers have seen the console. */
	consumed = 0;
	/**
	 * The cap (bytes) at which the helper stopped logging this boot, null while the log has
	 * everything. Past it output frames are taken as they come: there is no file to read a
	 * gap from, so offsets beyond the log's end are not "missing".
	 */
	logFull: number | null = null;
	/** Output past the cap, up to SCREEN_TAIL bytes of it: the log cannot rebuild the screen. */
	private unlogged: Buffer[] = [];
	private unloggedBytes = 0;
	viewers = new Set<Viewer>();
	private waiters = new Set<Waiter>();
	private snapshotAfterRebuild = new Set<Viewer>();
	private lastOutputMs = 0;
	/** The previous `up`'s stages, read once from its log (null: none). */
	private previousBoot?: Stage[] | null;
	/** `consumed` when the log was last seen ahead of it (-1: it was not). */
	private aheadAt = -1;
	private exitWaiters: (() => void)[] = [];

	constructor(dir: string, spec: VmSpec, boot: number) {
		super();
		this.name = spec.name;
		this.dir = dir;
		this.spec = spec;
		this.boot = boot;
		this.screen = new ConsoleScreen(spec.cols, spec.rows);
		this.parser = new GuestParser({ hangMs: spec.hang * 1000 });
	}

	get logPath(): string {
		return bootLogPath(this.dir, this.boot);
	}

	/** The parser of the console that carries the kernel's output (serial unless only the glass has it). */
	kernelParser(): GuestParser {
		return this.glassIsKernelConsole() ? this.glass!.parser : this.parser;
	}

	glassIsKernelConsole(): boolean {
		if (!this.glass) return false;
		return this.parser.state().boot === 0 && this.glass.parser.state().boot > 0;
	}

	private liveState(): LiveState {
		const serial = this.parser.state();
		if (!this.glass) return serial;
		const glass = this.glass.parser.state();
		if (this.glassIsKernelConsole()) return glass;
		// A crash drawn only on the glass still matters when the serial shows a kernel too.
		if (glass.crashTitle && !serial.crashTitle) return { ...serial, crashTitle: glass.crashTitle, alerts: [...serial.alerts, `glass: ${glass.crashTitle}`] };
		return serial;
	}

	info(): VmInfo {
		const live = this.liveState();
		const writer = this.writer();
		return {
			name: this.name,
			backend: this.spec.backend,
			state: this.state,
			boot: this.boot,
			helper_pid: this.hello?.helper_pid,
			child_pid: this.hello?.child_pid ?? undefined,
			stage: live.stage ?? undefined,
			prompt: live.prompt,
			alerts: [...live.alerts, ...(this.logFull === null ? [] : [logFullAlert(this.logFull)]), ...(this.glassNotice ? [this.glassNotice] : [])],
			crash: live.crashTitle,
			viewers: this.viewers.size,
			writer: writer?.who,
			log: this.logPath,
			cols: this.spec.cols,
			rows: this.spec.rows,
			started_ms: this.hello?.started_ms,
			exit: this.exit,
			glass: this.glass?.status(),
			kernel_console: this.glass ? (this.glassIsKernelConsole() ? 'glass' : 'serial') : undefined,
		};
	}

	/** Connect to a running helper (a fresh start, or adopting after a daemon restart). */
	async adopt(timeoutMs = 2000): Promise<void> {
		const helper = await HelperConnection.connect(this.dir, timeoutMs);
		this.helper = helper;
		this.hello = helper.hello;
		this.boot = helper.hello.boot;
		this.state = helper.hello.running ? 'running' : 'exited';
		// After the hello: a cap reached before it is in the index by now, a later one
		// comes as an event.
		this.logFull = this.readLogFull();
		this.catchUp(this.hello!.log_size);
		helper.on('output', (offset: number, bytes: Buffer) => this.onOutput(offset, bytes));
		helper.on('event', (ev: Record<string, unknown>) => this.onHelperEvent(ev));
		helper.on('close', () => this.onHelperClose());
		this.openGlass();
		if (this.spec.backend === 'qemu') this.connectQmp();
		else this.makeDevices(null);
		this.changed();
	}

	/** A VM with a display (a `gpu`, on QEMU or Apple) has a glass console. */
	hasGlass(): boolean {
		return this.spec.gpu !== undefined && (this.spec.backend === 'qemu' || this.spec.backend === 'apple');
	}

	private openGlass(): void {
		if (!this.hasGlass() || this.glass) return;
		const fonts: Font[] = [...spleenFonts()];
		for (const file of this.spec.glassFonts) {
			try {
				fonts.push(loadFont(file));
			} catch (err) {
				// `up` checked it; a font file removed since costs that font, not the VM.
				this.glassNotice = `glass font skipped: ${errorMessage(err)}`;
			}
		}
		const glass = new GlassConsole({
			dir: this.dir,
			boot: this.boot,
			hangMs: this.spec.hang * 1000,
			newReader: () => new GlassReader(fonts),
			newTracker: () => new ScrollTracker(),
		});
		glass.on('changed', () => this.changed());
		glass.on('text', () => this.checkWaiters());
		this.glass = glass;
	}

	/** The daemon's RFB connection to this VM's display (re)connected. */
	onRfb(rfb: GlassRfb): void {
		this.glass?.attachRfb(rfb);
	}

	private makeDevices(qmp: Qmp | null): void {
		this.devices?.close();
		const gpu = this.spec.gpu !== undefined;
		this.devices = new VmDevices({
			qmp,
			// Both VM helpers own the host end of an observe network's wire.
			observe: (this.spec.backend === 'qemu' || this.spec.backend === 'apple') && this.spec.net.mode === 'observe',
			control: (cmd) => this.helper?.control(cmd),
			panels: this.panelWatchers.size > 0,
			vnc: !gpu ? undefined : this.spec.backend === 'qemu' ? { path: vncSocketPath(this.dir) } : this.spec.backend === 'apple' ? 'helper' : undefined,
		});
		if (this.pendingWire) this.devices.onHelperEvent(this.pendingWire);
		if (this.pendingVnc) this.devices.onHelperEvent(this.pendingVnc);
		// One RFB connection per VM: the framebuffer panel's and the glass console's.
		this.devices.on('rfb', (rfb: GlassRfb) => this.onRfb(rfb));
		const rfb = this.devices.rfb;
		if (rfb) this.onRfb(rfb);
	}

	/** The device evidence, or a clear reason why there is none yet. */
	requireDevices(): VmDevices {
		if (this.devices) return this.devices;
		if (this.state !== 'running') throw new UserError(`${this.name} is not running (${this.state})`);
		throw new UserError(`${this.name}: QEMU's monitor (QMP) is not connected yet; try again in a moment`);
	}

	/**
	 * This boot's stages and the previous boot's, for the timeline: the previous guest
	 * boot in this log if the guest rebooted, else the last `obsdtui up` of this VM.
	 */
	timeline(): { stages: Stage[]; previous: Stage[] | null } {
		const t = this.parser.timeline();
		if (t.previous) return t;
		if (this.previousBoot === undefined) this.previousBoot = this.boot > 1 ? stagesOfBoot(this.dir, this.boot - 1) : null;
		return { stages: t.stages, previous: this.previousBoot };
	}

	/** Autoconf devices of the current boot, as the guest parser saw them. */
	guestDevices(): Device[] {
		return this.parser.devices();
	}

	/** Show or stop showing the device panels for one client (sampling runs while any shows them). */
	watchPanels(client: object, on: boolean): void {
		if (on) this.panelWatchers.add(client);
		else this.panelWatchers.delete(client);
		this.devices?.setPanels(this.panelWatchers.size > 0);
	}

	/** A VM whose helper is gone: show its last boot as it ended. */
	loadFinished(): void {
		const boots = listBoots(this.dir);
		if (boots.length === 0) {
			this.state = 'created';
			return;
		}
		this.boot = boots[boots.length - 1];
		this.state = 'exited';
		const idx = bootIndexPath(this.dir, this.boot);
		if (existsSync(idx)) {
			for (const r of readIndex(idx)) {
				if (r.kind === 'e' && r.json.event === 'exited') {
					this.exit = { status: (r.json.status as number | null) ?? null, signal: (r.json.signal as string | null) ?? null };
				}
			}
		}
		this.logFull = this.readLogFull();
		if (!this.exit) this.state = 'lost';
		if (existsSync(this.logPath)) this.catchUp(statSync(this.logPath).size);
	}

	/** The cap from this boot's last `log_full` index record, null if it has none. */
	private readLogFull(): number | null {
		const idx = bootIndexPath(this.dir, this.boot);
		if (!existsSync(idx)) return null;
		let max: number | null = null;
		for (const r of readIndex(idx)) if (r.kind === 'e' && r.json.event === 'log_full') max = Number(r.json.max);
		return max;
	}

	private connectQmp(): void {
		const path = qmpSocketPath(this.dir);
		Qmp.connect(path, { timeoutMs: 3000 })
			.then((qmp) => {
				this.qmp = qmp;
				this.makeDevices(qmp);
				qmp.on('close', () => {
					if (this.qmp === qmp) this.qmp = undefined;
				});
			})
			.catch(() => {
				// QEMU may not be listening yet right after start; try again while it runs.
				if (this.state === 'running' || this.state === 'starting') setTimeout(() => this.connectQmp(), 500).unref();
			});
	}

	/**
	 * Feed the log from `consumed` up to `end`: after a gap the helper left (it drops
	 * output for a slow daemon; the log has everything) and on adoption. Viewers missed
	 * these bytes, so they get a fresh snapshot instead.
	 */
	private catchUp(end: number): void {
		if (end <= this.consumed || !existsSync(this.logPath)) return;
		const fd = openSync(this.logPath, 'r');
		try {
			// The parser needs the whole boot; the screen only the tail.
			const screenFrom = Math.max(this.consumed, end - SCREEN_TAIL);
			for (let pos = this.consumed; pos < end; ) {
				const n = Math.min(CHUNK, end - pos);
				const buf = Buffer.allocUnsafe(n);
				const got = readSync(fd, buf, 0, n, pos);
				if (got <= 0) break;
				const chunk = buf.subarray(0, got);
				this.parser.push(chunk, Date.now());
				this.text.push(chunk);
				if (pos + got > screenFrom) this.screen.write(chunk.subarray(Math.max(0, screenFrom - pos)));
				pos += got;
				this.consumed = pos;
			}
		} finally {
			closeSync(fd);
		}
		// What lies past a full log's end was never logged: it is gone, not late.
		if (this.logFull !== null && end > this.consumed) this.consumed = end;
		for (const v of this.viewers) this.sendSnapshot(v);
		this.checkWaiters();
		this.changed();
	}

	private onOutput(offset: number, bytes: Buffer): void {
		this.lastOutputMs = Date.now();
		if (offset > this.consumed) this.catchUp(offset);
		if (offset + bytes.length <= this.consumed) return;
		if (offset < this.consumed) bytes = bytes.subarray(this.consumed - offset);
		if (this.logFull !== null) this.keepUnlogged(bytes, this.consumed);
		this.consumed += bytes.length;
		this.process(bytes);
	}

	private keepUnlogged(bytes: Buffer, at: number): void {
		const cap = this.logFull!;
		if (at + bytes.length <= cap) return;
		const part = Buffer.from(at < cap ? bytes.subarray(cap - at) : bytes);
		this.unlogged.push(part);
		this.unloggedBytes += part.length;
		while (this.unlogged.length > 1 && this.unloggedBytes - this.unlogged[0].length >= SCREEN_TAIL) {
			this.unloggedBytes -= this.unlogged.shift()!.length;
		}
	}

	private process(bytes: Buffer): void {
		// The parser reports every change ls and the TUI show (stage, prompt, crash, hang
		// cleared) as an event: no need to compare its state before and after.
		const events = this.parser.push(bytes, Date.now());
		this.screen.write(bytes);
		if (this.screen.stale && this.screen.idle) this.rebuildScreen();
		this.text.push(bytes);
		if (this.spec.autoinstall !== undefined) this.answerInstaller();
		if (this.viewers.size) {
			const frame = encodeData(bytes);
			for (const v of this.viewers) v.dataFrame(frame);
		}
		this.checkWaiters();
		if (events.length) this.changed();
	}

	private rebuildScreen(): void {
		const logEnd = Math.min(this.consumed, this.logFull ?? this.consumed);
		const tail = Buffer.concat([readLogRange(this.logPath, Math.max(0, logEnd - SCREEN_TAIL), logEnd), ...this.unlogged]);
		this.screen.rebuild(tail.subarray(Math.max(0, tail.length - SCREEN_TAIL)));
		const waiting = [...this.snapshotAfterRebuild];
		this.snapshotAfterRebuild.clear();
		for (const v of waiting) this.sendSnapshot(v);
	}

	/** Periodic work: output the helper had to drop, a screen that fell behind, hangs. */
	tick(now: number): void {
		// A gap shows in the next output frame's offset; when the guest has gone quiet
		// there is no next frame, so the log (always complete) is checked directly. Only a
		// log that stayed ahead for a whole tick counts: a frame may be on its way.
		if (this.helper && now - this.lastOutputMs > 500 && existsSync(this.logPath)) {
			const size = statSync(this.logPath).size;
			if (size > this.consumed && this.aheadAt === this.consumed) this.catchUp(size);
			this.aheadAt = size > this.consumed ? this.consumed : -1;
		}
		if (this.screen.stale && this.screen.idle) this.rebuildScreen();
		if (this.state !== 'running') return;
		if (this.parser.tick(now).length) this.changed();
		if (this.glass?.tick(now).length) this.changed();
	}

	private onHelperEvent(ev: Record<string, unknown>): void {
		if (ev.event === 'vnc') {
			// Holds a password: handed to the devices only, never broadcast or logged.
			this.pendingVnc = ev;
			this.devices?.onHelperEvent(ev);
			return;
		}
		if (ev.event === 'net') {
			this.pendingWire = ev;
			this.devices?.onHelperEvent(ev);
			return;
		}
		if (ev.event === 'log_full') {
			this.logFull = Number(ev.max);
			this.broadcast({ event: 'notice', message: logFullAlert(this.logFull) });
			this.changed();
		} else if (ev.event === 'exited') {
			this.exit = { status: (ev.status as number | null) ?? null, signal: (ev.signal as string | null) ?? null };
			this.state = 'exited';
			this.glass?.end();
			this.broadcast({ event: 'state', state: 'exited', exit: this.exit });
			for (const w of this.exitWaiters.splice(0)) w();
			this.failWaiters();
			this.changed();
		} else if (ev.event === 'error' || ev.event === 'break_unsupported') {
			this.broadcast({ event: 'notice', message: ev.event === 'error' ? String(ev.message) : 'BREAK is not supported by this console source' });
		}
	}

	private onHelperClose(): void {
		this.helper = undefined;
		// The next helper (a new boot) announces a new endpoint and password.
		this.pendingVnc = undefined;
		void this.qmp?.close();
		this.devices?.close();
		this.devices = undefined;
		if (this.state !== 'exited') {
			// The helper died without telling us how the VM ended.
			this.state = existsSync(join(this.dir, 'helper.sock')) ? 'lost' : 'exited';
			this.broadcast({ event: 'state', state: this.state });
			for (const w of this.exitWaiters.splice(0)) w();
		}
		this.failWaiters();
		this.changed();
	}

	private changed(): void {
		this.emit('changed');
	}

	// --- viewers -------------------------------------------------------------------

	private broadcast(msg: object): void {
		for (const v of this.viewers) v.event(msg);
	}

	/** Audit: told to viewers and written to the log's index (outside the raw bytes). */
	audit(text: string): void {
		this.helper?.audit(text);
		this.broadcast({ event: 'audit', text, ms: Date.now() });
	}

	/**
	 * Send a viewer the current screen. While the screen is stale (it dropped input to keep
	 * up) a snapshot would show the past, so the viewer waits for the rebuild instead.
	 */
	private sendSnapshot(v: Viewer): void {
		void this.screen.flush().then(() => {
			if (this.screen.stale) this.snapshotAfterRebuild.add(v);
			else if (this.viewers.has(v)) v.snapshot({ cols: this.spec.cols, rows: this.spec.rows }, this.screen.snapshot());
		});
	}

	attach(socket: Socket, who: string, mode: 'rw' | 'spy' | 'takeover'): Viewer {
		const vmode: ViewerMode = mode === 'spy' ? 'spy' : 'rw';
		const v = new Viewer(socket, who, vmode, () => this.sendSnapshot(v));
		const current = this.writer();
		if (mode === 'takeover' && current) this.demote(current, who);
		if (vmode === 'rw' && (!current || mode === 'takeover')) v.writer = true;
		this.viewers.add(v);
		this.sendSnapshot(v);
		this.audit(`${who} attached ${mode === 'takeover' ? 'with take-over' : vmode}${v.writer ? ' (writer)' : vmode === 'rw' ? ' (read-only: another viewer is writing)' : ''}`);
		this.broadcast({ event: 'viewers', viewers: this.viewers.size, writer: this.writer()?.who ?? null });
		this.changed();
		return v;
	}

	writer(): Viewer | undefined {
		for (const v of this.viewers) if (v.writer) return v;
		return undefined;
	}

	private demote(v: Viewer, by: string): void {
		v.writer = false;
		v.event({ event: 'mode', writer: false, by });
	}

	/** Take the write seat. Spies never write: they must re-attach in rw or take-over mode. */
	takeover(v: Viewer): void {
		if (v.mode === 'spy') throw new UserError('a spy cannot take over: attach again without --spy');
		const current = this.writer();
		if (current === v) return;
		if (current) this.demote(current, v.who);
		v.writer = true;
		v.event({ event: 'mode', writer: true });
		this.audit(`${v.who} took over${current ? ` from ${current.who}` : ''}`);
		this.broadcast({ event: 'viewers', viewers: this.viewers.size, writer: v.who });
		this.changed();
	}

	detach(v: Viewer): void {
		if (!this.viewers.delete(v)) return;
		v.close();
		this.audit(`${v.who} detached`);
		if (v.writer) {
			// The seat passes to the longest-attached rw viewer, never to a spy.
			const next = [...this.viewers].find((x) => x.mode === 'rw');
			if (next) {
				next.writer = true;
				next.event({ event: 'mode', writer: true });
			}
		}
		this.broadcast({ event: 'viewers', viewers: this.viewers.size, writer: this.writer()?.who ?? null });
		this.changed();
	}

	/** Keys from a viewer: only the writer's reach the guest. */
	input(v: Viewer, bytes: Buffer): boolean {
		if (!v.writer) return false;
		this.requireRunning().input(bytes);
		return true;
	}

	/**
	 * An unattended install (spec autoinstall): type the two answers the installer needs to
	 * find the response file the daemon serves; every answer is audited. Only at those two
	 * prompts, and the location at most a few times (a failing fetch is left to a person).
	 */
	private answerInstaller(): void {
		if (!this.helper || this.state !== 'running') return;
		const a = installerAnswer(this.text.since(this.answeredMark), this.locationAnswers);
		if (!a) return;
		this.helper.input(Buffer.from(`${a.answer}\r`));
		this.answeredMark = this.text.mark();
		if (a.prompt === 'response file location') this.locationAnswers++;
		this.audit(`autoinstall: typed '${a.answer}' at the installer's ${a.prompt} prompt`);
	}

	/** `obsdtui send`: a scripted write, audited (it bypasses the write seat on purpose). */
	send(bytes: Buffer, who: string): void {
		this.requireRunning().input(bytes);
		this.audit(`${who} sent ${bytes.length} byte${bytes.length === 1 ? '' : 's'}`);
	}

	/** A serial BREAK: via QMP for QEMU (its console socket is raw), else by the helper. */
	async sendBreak(who: string): Promise<void> {
		const helper = this.requireRunning();
		if (this.spec.backend === 'qemu') {
			if (!this.qmp || this.qmp.isClosed) throw new UserError(`${this.name}: QEMU's monitor (QMP) is not connected; cannot send BREAK`);
			await this.qmp.execute('chardev-send-break', { id: 'ser0' });
		} else helper.sendBreak();
		this.audit(`${who} sent BREAK`);
	}

	// --- the glass console ---------------------------------------------------------

	requireGlass(): GlassConsole {
		if (!this.glass) throw new UserError(`${this.name} has no glass console (it has no display: start it with --gpu WxH)`);
		if (this.state !== 'running') throw new UserError(`${this.name} is not running (${this.state})`);
		if (!this.glass.connected) throw new UserError(`${this.name}: the framebuffer is not connected yet; try again in a moment`);
		return this.glass;
	}

	/** `send --glass`: terminal bytes typed as key presses on the glass, audited like `send`. */
	sendGlass(bytes: Buffer, who: string): number {
		const n = this.requireGlass().type(bytes);
		this.audit(`${who} typed ${n} key${n === 1 ? '' : 's'} on the glass`);
		return n;
	}

	/** The glass console's BREAK: Ctrl+Alt+Esc (wscons enters ddb with ddb.console=1). */
	glassBreak(who: string): void {
		this.requireGlass().strokes([GLASS_BREAK]);
		this.audit(`${who} sent Ctrl+Alt+Esc (BREAK) on the glass`);
	}

	/** A viewer of the glass: it sees the recognised text; a writer's keys become key presses. */
	attachGlass(socket: Socket, who: string, mode: 'rw' | 'spy'): Viewer {
		const glass = this.glass;
		if (!glass) throw new UserError(`${this.name} has no glass console (it has no display: start it with --gpu WxH)`);
		const v = glass.attach(socket, who, mode);
		this.audit(`${who} attached to the glass ${mode}`);
		return v;
	}

	detachGlass(v: Viewer): void {
		if (this.glass?.detach(v)) this.audit(`${v.who} detached from the glass`);
	}

	/** Keys from a glass viewer: only rw viewers type. */
	inputGlass(v: Viewer, bytes: Buffer): boolean {
		if (!v.writer || this.state !== 'running' || !this.glass?.connected) return false;
		this.glass.type(bytes);
		return true;
	}

	private requireRunning(): HelperConnection {
		if (!this.helper || this.state !== 'running') throw new UserError(`${this.name} is not running (${this.state})`);
		return this.helper;
	}

	// --- scripting -----------------------------------------------------------------

	/**
	 * Resolves with the matched text; rejects on timeout or when the VM stops first.
	 * `source` picks the console: the serial text, the glass text, or either ('any'). A
	 * `user` pattern (from `wait --for`) is matched in a worker with a time budget, so a
	 * pattern that backtracks catastrophically fails its own wait and freezes nothing else.
	 */
	wait(re: RegExp, onlyNew: boolean, timeoutMs: number, opts: { user?: boolean; source?: WaitSource } = {}): Promise<string> {
		const source = opts.source ?? 'any';
		if (source === 'glass' && !this.glass) return Promise.reject(new UserError(`${this.name} has no glass console (it has no display: start it with --gpu WxH)`));
		const since = onlyNew ? this.text.mark() : 0;
		const glassSince = onlyNew && this.glass ? this.glass.text.mark() : 0;
		const probe: Pick<Waiter, 're' | 'since' | 'glassSince' | 'source'> = { re, since, glassSince, source };
		if (!opts.user) {
			const m = this.matchWaiter(probe);
			if (m !== null) return Promise.resolve(m);
			if (!this.helper || this.state === 'exited') return Promise.reject(new UserError(`${this.name} is not running and its output has no /${re.source}/`));
		}
		const user = opts.user ? new UserPattern(re) : undefined;
		return new Promise((resolve, reject) => {
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(w);
				user?.close();
			};
			const w: Waiter = {
				...probe,
				user,
				resolve: (text) => {
					done();
					resolve(text);
				},
				reject: (err) => {
					done();
					reject(err);
				},
			};
			const timer = setTimeout(() => {
				w.reject(new UserError(`${this.name}: timed out after ${timeoutMs / 1000} s waiting for /${re.source}/`));
			}, timeoutMs);
			this.waiters.add(w);
			if (user) {
				// What is already there is matched first; a VM that is not running fails after that.
				if (!this.helper || this.state === 'exited') w.stopped = w.notRunning = true;
				this.pollUser(w);
			}
		});
	}

	private matchWaiter(w: Pick<Waiter, 're' | 'since' | 'glassSince' | 'source'>): string | null {
		if (w.source !== 'glass') {
			const m = this.text.match(w.re, w.since);
			if (m) return m[0];
		}
		if (w.source !== 'serial' && this.glass) {
			const m = this.glass.text.match(w.re, w.glassSince);
			if (m) return m[0];
		}
		return null;
	}

	/**
	 * Match a user's pattern against the window in its worker; when the window moved on
	 * meanwhile, match again. At most one match per waiter runs at a time.
	 */
	private pollUser(w: Waiter): void {
		if (w.busy || !this.waiters.has(w)) return;
		const serial = w.source !== 'glass';
		const glass = w.source !== 'serial' ? this.glass : undefined;
		const mark = `${serial ? this.text.mark() : ''}:${glass ? `${glass.text.mark()}+${glass.text.open}` : ''}`;
		if (w.polledAt === mark) {
			if (w.stopped) w.reject(this.stoppedError(w));
			return;
		}
		w.busy = true;
		w.polledAt = mark;
		const user = w.user!;
		const texts = [...(serial ? [this.text.since(w.since)] : []), ...(glass ? [glass.text.since(w.glassSince)] : [])];
		const next = (i: number): Promise<string | null> => (i >= texts.length ? Promise.resolve(null) : user.match(texts[i]).then((m) => (m !== null ? m : next(i + 1))));
		next(0).then(
			(m) => {
				w.busy = false;
				if (m !== null) w.resolve(m);
				else this.pollUser(w);
			},
			(err: Error) => w.reject(err),
		);
	}

	private stoppedError(w: Waiter): UserError {
		if (w.notRunning) return new UserError(`${this.name} is not running and its output has no /${w.re.source}/`);
		return new UserError(`${this.name} stopped before /${w.re.source}/ appeared`);
	}

	/**
	 * Type one command at the guest's shell prompt and return what it printed up to the
	 * next prompt. Refused unless the console is sitting at a shell prompt: typing into a
	 * login prompt, an installer question or ddb would do something else entirely.
	 */
	async typeAtShell(command: string, who: string, timeoutMs = 15000): Promise<string> {
		if (this.parser.state().prompt !== 'shell') {
			throw new UserError(`${this.name} is not at a shell prompt (${this.parser.state().prompt ?? 'no prompt'}); not typing '${command}'`);
		}
		const mark = this.text.mark();
		this.requireRunning().input(Buffer.from(`${command}\r`));
		this.audit(`${who} typed '${command}' at the shell prompt`);
		await this.wait(/\n[^\n]*[#$] $/, true, timeoutMs, { source: 'serial' });
		const out = this.text.since(mark);
		// Drop the echoed command line and the final prompt.
		return out.slice(out.indexOf('\n') + 1).replace(/[^\n]*$/, '');
	}

	private failWaiters(): void {
		for (const w of this.waiters) {
			if (w.user) {
				// Its last output may not have been matched yet.
				w.stopped = true;
				this.pollUser(w);
			} else w.reject(this.stoppedError(w));
		}
	}

	private checkWaiters(): void {
		for (const w of this.waiters) {
			if (w.user) {
				this.pollUser(w);
				continue;
			}
			const m = this.matchWaiter(w);
			if (m !== null) w.resolve(m);
		}
	}

	waitExit(timeoutMs: number): Promise<boolean> {
		if (this.state === 'exited' || this.state === 'lost' || this.state === 'created' || !this.helper) return Promise.resolve(true);
		return new Promise((resolve) => {
			const t = setTimeout(() => resolve(false), timeoutMs);
			this.exitWaiters.push(() => {
				clearTimeout(t);
				resolve(true);
			});
		});
	}

	/**
	 * Stop the VM: ask the guest to power down (ACPI/GPIO button via QMP), then SIGTERM,
	 * then SIGKILL, each after a timeout. `force` starts at SIGTERM.
	 */
	async down(who: string, force: boolean, timeoutMs: number): Promise<void> {
		if (!this.helper || this.state === 'exited' || this.state === 'lost' || this.state === 'created') return;
		this.state = 'stopping';
		this.audit(`${who} requested ${force ? 'forced ' : ''}shutdown`);
		this.changed();
		if (!force && this.qmp && !this.qmp.isClosed) {
			await this.qmp.execute('system_powerdown').catch(() => undefined);
			if (await this.waitExit(timeoutMs)) return;
		}
		this.helper?.kill('TERM');
		if (await this.waitExit(force ? 5000 : Math.max(5000, timeoutMs))) return;
		this.helper?.kill('KILL');
		await this.waitExit(5000);
	}

	dispose(): void {
		for (const v of this.viewers) v.socket.destroy();
		this.viewers.clear();
		this.helper?.close();
		void this.qmp?.close();
		this.devices?.close();
		this.screen.dispose();
		this.glass?.dispose();
	}
}
