// The TUI's state and its one render throttle. Input arrives as raw bytes from the
// terminal: in console mode they go to the guest untouched except for the prefix; the
// list, prompts and scrollback parse them into keys. Every change only marks the frame
// dirty; frames go out at most every FRAME_MS, the first one at once (leading edge), so a
// keystroke's echo is drawn immediately when the console was quiet.
import { GuestScreen } from '../term/screen.ts';
import { Scrollback } from './scrollback.ts';
import type { ColorDepth } from '../term/colors.ts';
import { errorMessage } from '../common/errors.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmSummary } from './feed.ts';
import { nextKey, prefixLabel, type Key } from './keys.ts';
import { computeLayout, viewportOrigin } from './layout.ts';
import type { View } from './Root.tsx';

/** 20 frames per second at most. */
export const FRAME_MS = 50;
const MESSAGE_MS = 4000;

export interface ControllerOptions {
	feed: ConsoleFeed;
	prefix: number;
	depth: ColorDepth;
	size: () => { width: number; height: number };
	render: (view: View) => void;
	quit: () => void;
	/** Open straight on this console instead of the list. */
	attach?: { name: string; mode: AttachMode };
	/** `obsdtui attach`: detaching ends the program rather than showing the list. */
	exitOnDetach?: boolean;
}

type Prompt = { kind: 'search'; text: string } | { kind: 'break' };

export class Controller {
	private opts: ControllerOptions;
	private vms: VmSummary[] = [];
	private selected = 0;
	private session?: ConsoleSession;
	private vmName?: string;
	/** The attached console is the glass one (prefix g toggles). */
	private glass = false;
	private screen?: GuestScreen;
	private unwatch?: () => void;
	private panels = true;
	private help = false;
	/** The sendbug report view (prefix r): loading until its text is there. */
	private report?: { text?: string; offset: number };
	private clock?: NodeJS.Timeout;
	private scroll?: Scrollback;
	private prompt?: Prompt;
	private message?: { text: string; until: number };
	private messageTimer?: NodeJS.Timeout;
	/** The prefix was typed; the next byte is a command. */
	private prefixPending = false;
	private timer?: NodeJS.Timeout;
	private lastFrame = 0;
	private stopped = false;

	constructor(opts: ControllerOptions) {
		this.opts = opts;
		this.vms = opts.feed.list();
		opts.feed.on('vms', this.onVms);
		if (opts.attach) this.attach(opts.attach.name, opts.attach.mode);
		this.invalidate();
		// The boot timeline shows how long the current stage has lasted: once a second,
		// a frame (which writes nothing when nothing else changed).
		this.clock = setInterval(() => {
			if (this.session && this.panels) this.invalidate();
		}, 1000);
		this.clock.unref();
	}

	private onVms = (vms: VmSummary[]) => {
		const current = this.vms[this.selected]?.name;
		this.vms = vms;
		const i = vms.findIndex((v) => v.name === current);
		this.selected = i >= 0 ? i : Math.min(this.selected, Math.max(0, vms.length - 1));
		this.invalidate();
	};

	get attachedTo(): string | undefined {
		return this.vmName;
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
		clearInterval(this.clock);
		clearTimeout(this.messageTimer);
		this.opts.feed.off('vms', this.onVms);
		this.dropSession();
	}

	/** Something changed: draw it within FRAME_MS, or now if the last frame is old enough. */
	invalidate(): void {
		if (this.stopped || this.timer) return;
		const wait = Math.max(0, this.lastFrame + FRAME_MS - Date.now());
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.frame();
		}, wait);
	}

	resize(): void {
		this.invalidate();
	}

	private frame(): void {
		if (this.stopped) return;
		this.lastFrame = Date.now();
		if (this.message && this.message.until <= Date.now()) this.message = undefined;
		this.opts.render(this.view());
	}

	private say(text: string): void {
		this.message = { text, until: Date.now() + MESSAGE_MS };
		// One more frame when it expires, to take it off the status line.
		clearTimeout(this.messageTimer);
		this.messageTimer = setTimeout(() => this.invalidate(), MESSAGE_MS + 1);
		this.messageTimer.unref();
		this.invalidate();
	}

	view(): View {
		const { width, height } = this.opts.size();
		const prefix = prefixLabel(this.opts.prefix);
		const depth = this.opts.depth;
		const message = this.message && this.message.until > Date.now() ? this.message.text : undefined;
		const prompt = this.promptText();
		if (!this.session || !this.vmName) {
			return { width, height, prefix, depth, message, prompt, list: { vms: this.vms, selected: this.selected, help: this.help } };
		}
		const vm = this.vms.find((v) => v.name === this.vmName) ?? placeholderVm(this.vmName);
		const screen = this.screen;
		const layout = computeLayout(width, height, screen?.cols ?? vm.cols, screen?.rows ?? vm.rows, this.panels);
		const lines: string[] = [];
		let scroll: string | undefined;
		let cursor: { x: number; y: number } | undefined;
		if (screen) {
			if (this.scroll) {
				const r = this.scroll.render(layout.paneWidth, layout.paneHeight, this.opts.depth);
				lines.push(...r.lines);
				scroll = r.status;
			} else {
				const o = viewportOrigin(layout.paneWidth, layout.paneHeight, screen.cursor);
				for (let y = 0; y < layout.paneHeight; y++) {
					lines.push(screen.renderLine(screen.base + o.y + y, o.x, layout.paneWidth, this.opts.depth));
				}
				const at = { x: screen.cursor.x - o.x, y: screen.cursor.y - o.y };
				if (this.typing() && this.typesToGuest() && at.x < layout.paneWidth && at.y < layout.paneHeight) cursor = at;
			}
		}
		return {
			width,
			height,
			prefix,
			depth,
			message,
			prompt,
			console: {
				vm,
				details: this.opts.feed.details?.(this.vmName),
				mode: this.session.mode,
				writer: this.session.writer,
				glass: this.glass,
				layout,
				lines,
				help: this.help,
				scroll: this.report ? `report${this.report.text === undefined ? ' (building)' : ''}: ↑ ↓ PgUp PgDn, q back; 'obsdtui report ${this.vmName}' saves it` : scroll,
				cursor,
				report: this.report?.text !== undefined ? { text: this.report.text, offset: this.report.offset } : undefined,
			},
		};
	}

	private promptText(): string | undefined {
		const p = this.prompt;
		if (!p) return undefined;
		if (p.kind === 'search') return ` search up: ${p.text}▏  (Enter search, Esc cancel)`;
		return ` Send BREAK to ${this.vmName}? On OpenBSD it can drop the guest into ddb. y/N`;
	}

	// ---- input ----

	input(chunk: Buffer): void {
		let rest = chunk;
		// A key can change the state (a command opens scrollback, '/' opens a prompt), so
		// the rest of the chunk is handled by whatever state that key left.
		while (rest.length && !this.stopped) {
			if (this.typing()) {
				if (this.prefixPending) {
					this.prefixPending = false;
					this.command(rest[0]);
					rest = rest.subarray(1);
					continue;
				}
				const i = rest.indexOf(this.opts.prefix);
				if (i < 0) {
					this.toGuest(rest);
					return;
				}
				if (i > 0) this.toGuest(rest.subarray(0, i));
				this.prefixPending = true;
				rest = rest.subarray(i + 1);
				continue;
			}
			const { key, length } = nextKey(rest, this.opts.prefix);
			rest = rest.subarray(length);
			this.key(key);
		}
	}

	/** Console input: attached to a live VM, no prompt, help or scrollback open. */
	private typing(): boolean {
		return !!this.session && this.session.mode !== 'ro' && !this.help && !this.prompt && !this.scroll && !this.report;
	}

	private typesToGuest(): boolean {
		const mode = this.session?.mode;
		return mode === 'rw' || mode === 'takeover';
	}

	// A spy's keys are dropped here, before they could reach the daemon; the daemon also
	// refuses input from a viewer without the write seat.
	private toGuest(bytes: Buffer): void {
		if (this.typesToGuest()) this.session!.write(Buffer.from(bytes));
		else this.say(`spy: your keys do not reach ${this.vmName} (${prefixLabel(this.opts.prefix)} ? for help)`);
	}

	private key(k: Key): void {
		if (this.help) {
			this.help = false;
			this.invalidate();
		} else if (this.prompt) this.promptKey(k);
		else if (!this.session) this.listKey(k);
		else if (this.report) this.reportKey(k);
		else if (this.scroll) this.scrollKey(k);
		else this.readOnlyKey(k);
	}

	// Nobody types into a recording, so its keys are commands without the prefix (a spy
	// still needs the prefix: a stray `d` or `q` must not end a session).
	private readOnlyKey(k: Key): void {
		if (k.name === 'char') this.command(k.char.charCodeAt(0));
		else if (k.name === 'ctrl-c') this.opts.quit();
		else if (k.name === 'enter' && this.vmName) this.say(`read-only: keys do not reach ${this.vmName}`);
	}

	private command(byte: number): void {
		const c = String.fromCharCode(byte);
		if (byte === this.opts.prefix && this.typesToGuest()) {
			this.session!.write(Buffer.from([byte]));
			return;
		}
		switch (c) {
			case 'd':
				this.detach();
				if (this.opts.exitOnDetach) this.opts.quit();
				break;
			case 's':
				this.detach();
				break;
			case 'p':
				this.panels = !this.panels;
				break;
			case '[':
				this.enterScroll();
				break;
			case 't':
				this.takeover();
				break;
			case 'b':
				if (this.session?.mode === 'ro') this.say('a recording has no console to send BREAK to');
				else this.prompt = { kind: 'break' };
				break;
			case '?':
				this.help = true;
				break;
			case 'r':
				this.openReport();
				break;
			case 'g':
				this.toggleGlass();
				break;
			case 'q':
				this.opts.quit();
				return;
			default:
				return; // Esc or an unknown command: the prefix is cancelled
		}
		this.invalidate();
	}

	private promptKey(k: Key): void {
		const p = this.prompt!;
		if (p.kind === 'break') {
			this.prompt = undefined;
			if (k.name === 'char' && (k.char === 'y' || k.char === 'Y')) this.sendBreak();
			else this.say('BREAK not sent');
		} else if (k.name === 'char') p.text += k.char;
		else if (k.name === 'backspace') p.text = p.text.slice(0, -1);
		else if (k.name === 'escape' || k.name === 'ctrl-c') this.prompt = undefined;
		else if (k.name === 'enter') {
			this.prompt = undefined;
			if (p.text && this.scroll) this.scroll.search(p.text);
		}
		this.invalidate();
	}

	private listKey(k: Key): void {
		const ch = k.name === 'char' ? k.char : '';
		if (k.name === 'up' || ch === 'k') this.selected = Math.max(0, this.selected - 1);
		else if (k.name === 'down' || ch === 'j') this.selected = Math.max(0, Math.min(this.vms.length - 1, this.selected + 1));
		else if (k.name === 'enter' || ch === 'v') {
			const vm = this.vms[this.selected];
			if (vm) this.attach(vm.name, k.name === 'enter' ? 'rw' : 'spy');
		} else if (k.name === 'ctrl-c' || ch === 'q') this.opts.quit();
		else if (ch === '?') this.help = true;
		this.invalidate();
	}

	// ---- report ----

	private openReport(): void {
		const name = this.vmName;
		const make = this.opts.feed.report;
		if (!name || !make) return this.say('no report for this console');
		const report: { text?: string; offset: number } = { offset: 0 };
		this.report = report;
		make.call(this.opts.feed, name).then(
			(text) => {
				report.text = text;
				this.invalidate();
			},
			(err: unknown) => {
				if (this.report === report) this.report = undefined;
				this.say(`no report: ${errorMessage(err)}`);
			},
		);
	}

	private reportKey(k: Key): void {
		const r = this.report!;
		const page = Math.max(1, this.opts.size().height - 3);
		const ch = k.name === 'char' ? k.char : '';
		if (k.name === 'up' || ch === 'k') r.offset--;
		else if (k.name === 'down' || ch === 'j') r.offset++;
		else if (k.name === 'pageup' || ch === 'b') r.offset -= page;
		else if (k.name === 'pagedown' || ch === ' ' || ch === 'f') r.offset += page;
		else if (k.name === 'home' || ch === 'g') r.offset = 0;
		else if (k.name === 'end' || ch === 'G') r.offset = Infinity;
		else if (ch === 'q' || k.name === 'escape' || k.name === 'ctrl-c' || k.name === 'prefix') this.report = undefined;
		if (this.report) {
			const total = (r.text ?? '').split('\n').length;
			r.offset = Math.max(0, Math.min(r.offset, total - 1));
		}
		this.invalidate();
	}

	// ---- scrollback ----

	private paneHeight(): number {
		const { width, height } = this.opts.size();
		const s = this.screen!;
		return computeLayout(width, height, s.cols, s.rows, this.panels).paneHeight;
	}

	private enterScroll(): void {
		if (!this.screen) return;
		this.scroll = new Scrollback(this.screen, {
			paneHeight: () => this.paneHeight(),
			changed: () => this.invalidate(),
			say: (text) => this.say(text),
		});
		// A recording's screen already holds everything played; a live VM's log has more.
		const log = this.vms.find((v) => v.name === this.vmName)?.log;
		if (this.session?.mode !== 'ro' && log) {
			if (this.glass) this.scroll.readLog(log.replace(/\.log$/, '.glass'), { text: true });
			else this.scroll.readLog(log);
		}
	}

	/** prefix g: between the serial console and the glass console (the framebuffer read as text). */
	private toggleGlass(): void {
		const name = this.vmName;
		const s = this.session;
		if (!name || !s) return;
		if (s.mode === 'ro') return this.say('a recording has no glass console');
		const vm = this.vms.find((v) => v.name === name);
		if (!this.glass && !vm?.glass) return this.say(`${name} has no glass console (no display)`);
		const mode: AttachMode = s.mode === 'spy' ? 'spy' : 'rw';
		const glass = !this.glass;
		this.detach();
		this.attach(name, mode, glass);
		this.say(glass ? `${name}: the glass console (framebuffer text); ${prefixLabel(this.opts.prefix)} g back to serial` : `${name}: the serial console`);
	}

	private leaveScroll(): void {
		this.scroll?.close();
		this.scroll = undefined;
	}

	private scrollKey(k: Key): void {
		const next = this.scroll!.key(k);
		if (next === 'search') this.prompt = { kind: 'search', text: '' };
		else if (next === 'leave') this.leaveScroll();
		this.invalidate();
	}

	// ---- sessions ----

	attach(name: string, mode: AttachMode, glass = false): void {
		this.dropSession();
		let session: ConsoleSession;
		try {
			session = this.opts.feed.attach(name, mode, glass ? { glass: true } : undefined);
		} catch (err) {
			this.say(errorMessage(err));
			return;
		}
		this.session = session;
		this.vmName = name;
		this.glass = glass;
		this.help = false;
		this.leaveScroll();
		this.prefixPending = false;
		const i = this.vms.findIndex((v) => v.name === name);
		if (i >= 0) this.selected = i;
		session.on('snapshot', (ansi: Buffer, info: { cols: number; rows: number }) => {
			if (this.session !== session) return;
			this.unwatch?.();
			this.screen?.dispose();
			this.screen = new GuestScreen(info.cols, info.rows);
			this.unwatch = this.screen.onChange(() => this.invalidate());
			this.screen.write(ansi);
			// A resync (this viewer fell behind) keeps a scrollback that reads the log.
			if (!this.scroll?.hasHistory) this.leaveScroll();
		});
		session.on('data', (bytes: Buffer) => {
			if (this.session === session) this.screen?.write(bytes);
		});
		session.on('event', (ev: { event?: string; writer?: unknown; by?: unknown; message?: unknown; initial?: unknown }) => {
			if (this.session !== session) return;
			if (ev.event === 'mode' && !ev.initial) this.say(ev.writer ? 'you hold the console now' : `${String(ev.by ?? 'another viewer')} took over the console`);
			else if (ev.event === 'notice' && typeof ev.message === 'string') this.say(ev.message);
			this.invalidate();
		});
		session.on('end', (reason: string) => {
			if (this.session !== session) return;
			this.dropSession();
			if (reason !== 'detached') this.say(`console of ${name} ended: ${reason}`);
			if (this.opts.exitOnDetach) this.opts.quit();
			this.invalidate();
		});
		this.invalidate();
	}

	private detach(): void {
		const s = this.session;
		this.dropSession();
		s?.detach();
	}

	private dropSession(): void {
		const s = this.session;
		this.session = undefined;
		this.vmName = undefined;
		this.leaveScroll();
		this.report = undefined;
		this.prompt = undefined;
		this.unwatch?.();
		this.unwatch = undefined;
		this.screen?.dispose();
		this.screen = undefined;
		s?.removeAllListeners('data');
	}

	private takeover(): void {
		const s = this.session;
		if (!s) return;
		if (s.mode === 'ro') return this.say('a recording cannot be taken over');
		Promise.resolve()
			.then(() => s.takeover())
			.then(() => this.say('you hold the console now'))
			.catch((err: unknown) => this.say(errorMessage(err)));
	}

	private sendBreak(): void {
		const s = this.session;
		if (!s) return;
		Promise.resolve()
			.then(() => s.sendBreak())
			.then(() => this.say('BREAK sent'))
			.catch((err: unknown) => this.say(errorMessage(err)));
	}
}

function placeholderVm(name: string): VmSummary {
	return { name, backend: '?', state: '?', alerts: [], viewers: 0, log: '', cols: 80, rows: 24 };
}
