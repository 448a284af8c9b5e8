// The streaming guest parser: console bytes in, events and a summary out. Pure: no I/O,
// no clocks (time comes in as nowMs), so the daemon, `scan` and tests share it.
import type { BootSummary, Crash, Device, GuestEvent, GuestSummary, KernelInfo, LiveState, Prompt, Stage, StageName } from './types.ts';
import { LineSplitter, segments, human, own, type LineRun, type RawLine } from './lines.ts';
import { skipPattern, type SkipPattern } from './skip.ts';
import { DeviceTable, deviceCandidate, isAttachLine } from './devices.ts';
import { addKernelDetail, archHint, isCopyright, parseVersionLine } from './kernel.ts';
import { AFTER_KERNEL, EARLY, INTERACTIVE, TRANSIENT, isBarePrompt, maybeUserland, promptOf, stageOf, stageOfPrompt } from './stages.ts';
import { CrashBuilder, crashHeader } from './crash.ts';
import { TextRegion } from './region.ts';

const MAX_DMESG = 1 << 20;
/** A log that reboots in a loop would otherwise hold every boot's device table and dmesg. */
const DETAILED_BOOTS = 64;
const CLEAN_RE = /[\0\r\x1b]/;
const NON_BLANK_RE = /\S/;

function copyDevice(d: Device): Device {
	const c: Device = { ...d, messages: [...d.messages] };
	if (d.failures) c.failures = d.failures.map((f) => ({ ...f }));
	return c;
}
/** A prompt must sit unanswered this long before it counts as a stage (it may be the start of a longer line). */
const PROMPT_QUIET_MS = 250;
/**
 * A crash report printed while a shell command runs is the kernel's only if no shell prompt
 * follows: after this much silence without one, it is (a stopped kernel prints nothing more).
 */
const CRASH_SETTLE_MS = 1000;

const MAX_DEFERRED = 4096;
const CPU_ATTACH_RE = /^cpu\d+ at /;
const DDB_LINE_RE = /^ddb(?:\{\d+\})?> ?(.*)$/;

class Boot {
	kernel: KernelInfo | null = null;
	archHint: string | null = null;
	readonly stages: Stage[] = [];
	devices = new DeviceTable();
	/** Set when this boot's devices and dmesg text were dropped to bound memory. */
	trimmed = false;
	/**
	 * Scanning defers device parsing: the kernel's attach lines are the dmesg text anyway,
	 * and a reboot-loop log only reports the most recent boots' devices. Lines outside the
	 * dmesg wait here, in order; `deferredBefore` of them came before the dmesg.
	 */
	lazy: boolean;
	deferred: { s: string; no: number }[] = [];
	deferredBefore = 0;
	cpuLines = 0;
	dmesgOpen = false;
	readonly dmesgText = new TextRegion(MAX_DMESG);
	dmesgRange: { firstLine: number; lastLine: number; start: number; end: number } | null = null;
	hasBanner = false;

	constructor(
		readonly no: number,
		readonly line: number,
		lazy: boolean,
	) {
		this.lazy = lazy;
	}

	/** Parse what was deferred, in console order; afterwards lines go straight to the table. */
	materialise(): void {
		if (!this.lazy) return;
		this.lazy = false;
		const t = this.devices;
		for (const d of this.deferred.slice(0, this.deferredBefore)) t.line(d.s, d.no);
		if (this.dmesgRange && !this.trimmed) {
			const lines = this.dmesgText.raw().split('\n');
			if (lines.at(-1) === '') lines.pop();
			let no = this.dmesgRange.firstLine;
			for (const l of lines) {
				for (const seg of segments(l)) if (seg) t.line(seg, no);
				no++;
			}
		}
		for (const d of this.deferred.slice(this.deferredBefore)) t.line(d.s, d.no);
		this.deferred = [];
	}

	get ncpu(): number {
		return this.lazy || this.trimmed ? this.cpuLines : this.devices.ncpu;
	}

	get stage(): StageName | null {
		return this.stages.length ? this.stages[this.stages.length - 1].name : null;
	}
}

export class GuestParser {
	private readonly hangMs: number;
	private readonly stallMs: number;
	private readonly splitter: LineSplitter;
	private readonly boots: Boot[] = [];
	private readonly crashes: Crash[] = [];
	private open: CrashBuilder | null = null;
	/**
	 * Line of the shell command whose output the console is showing (0: none). A crash report
	 * inside a command's output may be a saved log the command printed (`cat panic.txt`).
	 */
	private cmdLine = 0;
	/**
	 * A crash report that began inside a command's output, not yet decided: the shell's next
	 * prompt makes it userland text; the output ending without one (silence, end of file, a
	 * waiting ddb prompt) or a new boot makes it the kernel's. Its stages wait in `held`.
	 */
	private pending: { builder: CrashBuilder; held: { name: StageName; line: number; atMs: number }[] } | null = null;
	/** At a ddb prompt with no report open, the last command was `show panic`: its output may be the only clean panic line. */
	private ddbShowPanic = false;
	private events: GuestEvent[] = [];
	private now = 0;
	private lastDataMs: number | null = null;
	private stageSinceMs = 0;
	private hangFlagged = false;
	private stallFlagged = false;
	private promptStageLine = 0;
	private lastPrompt: Prompt | null = null;
	/** The physical line being processed, for dmesg bookkeeping. */
	private raw: RawLine | null = null;

	private readonly wantEvents: boolean;

	/** `events: false` when only summary() matters (scanning files): nothing is copied per line. */
	constructor(opts: { hangMs?: number; stallMs?: number; events?: boolean } = {}) {
		this.wantEvents = opts.events ?? true;
		this.hangMs = opts.hangMs ?? 60_000;
		this.stallMs = opts.stallMs ?? 10 * 60_000;
		this.splitter = new LineSplitter(
			(l) => this.physical(l),
			this.wantEvents ? null : { skip: () => this.skipRegex(), run: (r) => this.run(r) },
		);
	}

	push(bytes: Uint8Array, nowMs: number): GuestEvent[] {
		this.now = nowMs;
		if (bytes.length === 0) return [];
		this.lastDataMs = nowMs;
		if (this.hangFlagged) {
			this.hangFlagged = false;
			this.events.push({ type: 'resumed' });
		}
		this.splitter.push(bytes);
		const p = this.prompt();
		if (p !== this.lastPrompt) {
			this.lastPrompt = p;
			this.events.push({ type: 'prompt', prompt: p });
		}
		return this.drain();
	}

	tick(nowMs: number): GuestEvent[] {
		this.now = nowMs;
		if (this.lastDataMs === null) this.lastDataMs = nowMs;
		const p = this.prompt();
		const quiet = nowMs - this.lastDataMs;
		if (p === 'shell' && quiet >= PROMPT_QUIET_MS) {
			// The shell is back: whatever its command printed was its output, not the kernel's.
			if (this.pending) this.decideUserland();
			this.cmdLine = 0;
		} else if (this.pending && ((p === 'ddb' && quiet >= PROMPT_QUIET_MS) || quiet >= CRASH_SETTLE_MS)) {
			this.confirmCrash();
		}
		const cur = this.boots.at(-1);
		if (p && quiet >= PROMPT_QUIET_MS && this.promptStageLine !== this.splitter.currentLine) {
			this.promptStageLine = this.splitter.currentLine;
			this.stage(stageOfPrompt(p), this.splitter.currentLine);
		}
		const silent = nowMs - this.lastDataMs;
		const stage = cur?.stage ?? null;
		if (!this.hangFlagged && silent >= this.hangMs && p === null && stage !== 'halted') {
			this.hangFlagged = true;
			this.events.push({ type: 'hang', silentMs: silent, stage, message: this.hangMessage(silent, stage) });
		}
		if (!this.stallFlagged && stage && TRANSIENT.has(stage) && nowMs - this.stageSinceMs >= this.stallMs && silent < this.hangMs) {
			this.stallFlagged = true;
			const forMs = nowMs - this.stageSinceMs;
			this.events.push({ type: 'stall', stage, forMs, message: `${stage} for ${Math.round(forMs / 1000)}s` });
		}
		return this.drain();
	}

	/** End of a file: a trailing unterminated line counts as a line. */
	end(): void {
		this.splitter.flush();
		// The output ended without the shell's prompt: a pending report was the kernel's.
		if (this.pending) this.confirmCrash();
		this.events = [];
	}

	summary(): GuestSummary {
		this.open?.refresh();
		const boots: BootSummary[] = this.boots.map((b) => {
			if (!b.trimmed) b.materialise();
			let kernel = b.kernel;
			if (kernel) kernel = { ...kernel, ncpu: b.ncpu, arch: kernel.arch ?? b.archHint };
			const out: BootSummary = {
				boot: b.no,
				line: b.line,
				kernel,
				stages: b.stages.map((s) => ({ ...s })),
				dmesg: b.dmesgRange && !b.trimmed ? b.dmesgText.text() : null,
				dmesgRange: b.dmesgRange ? { ...b.dmesgRange } : null,
				devices: b.devices.devices.map(copyDevice),
			};
			if (b.trimmed) out.trimmed = true;
			return out;
		});
		return { boots, crashes: structuredClone(this.crashes), lines: this.splitter.lines, bytes: this.splitter.bytes };
	}

	/** The stages of the newest boot and of the one before it (the timeline panel compares them). */
	timeline(): { stages: Stage[]; previous: Stage[] | null } {
		const copy = (b: (typeof this.boots)[number] | undefined) => (b ? b.stages.map((st) => ({ ...st })) : null);
		return { stages: copy(this.boots.at(-1)) ?? [], previous: copy(this.boots.at(-2)) };
	}

	/** The newest boot's devices (copies), without summarising every boot: the panels poll this. */
	devices(): Device[] {
		const b = this.boots.at(-1);
		if (!b || b.trimmed) return [];
		b.materialise();
		return b.devices.devices.map(copyDevice);
	}

	state(): LiveState {
		const cur = this.boots.at(-1);
		const alerts: string[] = [];
		let crashTitle: string | undefined;
		// Userland text and a report not yet decided are no alert.
		const pendingCrash = this.pending?.builder.crash;
		const last = this.crashes.findLast((c) => !c.userland && c !== pendingCrash);
		if (last && cur && last.boot === cur.no) {
			crashTitle = last.title;
			alerts.push(last.title);
		}
		if (this.hangFlagged && this.lastDataMs !== null) alerts.push(this.hangMessage(this.now - this.lastDataMs, cur?.stage ?? null));
		if (this.stallFlagged && cur?.stage) alerts.push(`stuck in ${cur.stage} for ${Math.round((this.now - this.stageSinceMs) / 1000)}s`);
		const st: LiveState = {
			stage: cur?.stage ?? null,
			stageSinceMs: this.stageSinceMs,
			prompt: this.prompt(),
			alerts,
			boot: cur?.no ?? 0,
		};
		if (crashTitle !== undefined) st.crashTitle = crashTitle;
		return st;
	}

	private hangMessage(silentMs: number, stage: StageName | null): string {
		return `no output for ${Math.round(silentMs / 1000)}s${stage ? ` in ${stage}` : ''}`;
	}

	private prompt(): Prompt | null {
		// Prompts are short; do not decode a long unterminated line on every push.
		if (this.splitter.partialLength > 256) return null;
		const segs = segments(this.splitter.partialText());
		const last = segs.at(-1);
		if (last === undefined) return null;
		return promptOf(last, this.boots.at(-1)?.stage ?? null);
	}

	private drain(): GuestEvent[] {
		const out = this.events;
		this.events = [];
		return out;
	}

	private cur(no: number): Boot {
		let b = this.boots.at(-1);
		if (!b) b = this.newBoot(no);
		return b;
	}

	private newBoot(no: number): Boot {
		// The guest rebooted: a report still pending was the kernel's.
		if (this.pending) this.confirmCrash();
		this.cmdLine = 0;
		this.ddbShowPanic = false;
		this.closeCrash();
		const prev = this.boots.at(-1);
		if (prev) this.closeDmesg(prev);
		const b = new Boot(this.boots.length + 1, no, !this.wantEvents);
		this.boots.push(b);
		const old = this.boots[this.boots.length - 1 - DETAILED_BOOTS];
		if (old && !old.trimmed) {
			old.cpuLines = old.ncpu;
			old.trimmed = true;
			old.lazy = false;
			old.deferred = [];
			old.devices = new DeviceTable();
			old.dmesgText.clear();
		}
		if (this.wantEvents) this.events.push({ type: 'boot', boot: b.no, line: no, atMs: this.now });
		return b;
	}

	private stage(name: StageName, no: number, atMs = this.now): void {
		if (this.pending) {
			// Until the report is decided its stages (panic, ddb, rebooting) may be a shell's text.
			if (!EARLY.has(name)) {
				this.pending.held.push({ name, line: no, atMs });
				return;
			}
			this.confirmCrash();
		}
		let b = this.cur(no);
		if (EARLY.has(name) && (b.hasBanner || (b.stage !== null && !EARLY.has(b.stage)))) {
			if (!(name === 'banner' && !b.kernel && b.stage === 'banner')) b = this.newBoot(no);
		}
		if (b.stage === name) return;
		if (AFTER_KERNEL.has(name)) this.closeDmesg(b);
		if (name === 'login' || name === 'shell' || name === 'rebooting' || name === 'halted' || name === 'installer') this.closeCrash();
		const st: Stage = { name, line: no, atMs };
		b.stages.push(st);
		this.stageSinceMs = atMs;
		this.stallFlagged = false;
		if (this.wantEvents) this.events.push({ type: 'stage', boot: b.no, stage: { ...st } });
	}

	private closeCrash(): void {
		this.open?.refresh();
		this.open = null;
	}

	/** The pending report was printed by a shell command: keep it, marked, without its stages. */
	private decideUserland(): void {
		const p = this.pending!;
		this.pending = null;
		p.builder.crash.userland = true;
		p.builder.refresh();
		if (this.open === p.builder) this.open = null;
		this.crashEvent(p.builder);
	}

	/** The pending report was the kernel's: its stages happen after all, at their own lines and times. */
	private confirmCrash(): void {
		const p = this.pending!;
		this.pending = null;
		for (const h of p.held) this.stage(h.name, h.line, h.atMs);
		this.crashEvent(p.builder);
	}

	private closeDmesg(b: Boot): void {
		b.dmesgOpen = false;
	}

	private banner(no: number): Boot {
		this.stage('banner', no);
		const b = this.boots.at(-1)!;
		if (!b.hasBanner) {
			b.hasBanner = true;
			b.dmesgOpen = true;
			b.deferredBefore = b.deferred.length;
			const raw = this.raw!;
			b.dmesgRange = { firstLine: no, lastLine: no, start: raw.start, end: raw.start };
		}
		return b;
	}

	private physical(l: RawLine): void {
		this.raw = l;
		if (CLEAN_RE.test(l.text)) for (const s of segments(l.text)) this.logical(s, l.no);
		else this.logical(l.text, l.no);
		const b = this.boots.at(-1);
		if (b && b.dmesgOpen && b.dmesgRange) {
			const blank = !NON_BLANK_RE.test(l.text);
			if (!b.dmesgText.add(l, blank)) {
				// Full: the dmesg ends here, and a deferred boot must not lose this line's devices.
				b.dmesgOpen = false;
				if (b.lazy) this.defer(b, l);
			} else if (!blank) {
				b.dmesgRange.lastLine = l.no;
				b.dmesgRange.end = l.end;
			}
		}
	}

	private logical(s: string, no: number): void {
		if (s.length === 0) return;
		const before = this.boots.at(-1);
		// Banner: a copyright or version line; a second one starts a new boot.
		if (s.charCodeAt(0) === 0x43 /* C */ && isCopyright(s)) {
			if (before?.hasBanner) this.newBoot(no);
			this.banner(no);
			return;
		}
		if (s.charCodeAt(0) === 0x4f /* O */) {
			const k = parseVersionLine(human(s), no);
			if (k) {
				if (before?.kernel) this.newBoot(no);
				const b = this.banner(no);
				b.kernel = k;
				if (this.wantEvents) this.events.push({ type: 'kernel', boot: b.no, kernel: { ...k } });
				return;
			}
		}
		const b = before;
		if (b?.kernel && b.stage === 'banner' && addKernelDetail(b.kernel, s)) return;

		const st = stageOf(s, b?.stage ?? null);
		if (st === 'shell') {
			// A command line after a prompt: the previous command's output is over, a new one starts.
			if (this.pending) this.decideUserland();
			this.cmdLine = no;
		} else if ((this.cmdLine || this.pending) && isBarePrompt(s)) {
			// The shell's prompt, alone on its line (the last line of a log, or Enter on an empty command).
			if (this.pending) this.decideUserland();
			this.cmdLine = 0;
			this.stage('shell', no);
		}
		if (st) this.stage(st, no);
		if (st === 'bootloader' || st === 'installer' || st === 'login') {
			const hint = archHint(s);
			if (hint) this.boots.at(-1)!.archHint = hint;
		}

		const inDdb = this.boots.at(-1)?.stage === 'ddb';
		// A pending report's lines are read as the report only: they may be a shell's text.
		if (!inDdb && !this.pending && deviceCandidate(s)) {
			if (this.boots.length > 0 || isAttachLine(s)) {
				const c = this.cur(no);
				if (c.lazy) {
					if (c.hasBanner && c.stage === 'banner' && isAttachLine(s)) this.stage('autoconf', no);
					if (s.charCodeAt(0) === 0x63 /* c */ && CPU_ATTACH_RE.test(s) && !s.endsWith(' not configured')) c.cpuLines++;
					// Lines of the dmesg are parsed from its text later; others wait in order.
					if (!c.dmesgOpen) {
						if (c.deferred.length < MAX_DEFERRED) c.deferred.push({ s: own(s), no });
						else {
							c.materialise();
							c.devices.line(s, no);
						}
					}
				} else {
					const table = c.devices;
					const n = table.devices.length;
					const dev = table.line(s, no);
					if (dev) {
						if (table.devices.length > n && c.hasBanner && c.stage === 'banner') this.stage('autoconf', no);
						if (this.wantEvents) this.events.push({ type: 'device', boot: c.no, device: copyDevice(dev) });
					}
				}
			}
		}

		if (this.open) {
			if (this.open.feed(s, no)) this.crashEvent();
		} else if (inDdb) {
			this.ddbWithoutReport(s, no);
		} else {
			const h = crashHeader(s);
			if (h) {
				const c = this.cur(no);
				const builder = new CrashBuilder(h, no, c.no, this.crashes.length, !this.wantEvents);
				if (this.cmdLine) this.pending = { builder, held: [] };
				if (h.kind !== 'lor' && h.kind !== 'witness') this.stage('panic', no);
				this.open = builder;
				this.crashes.push(builder.crash);
				builder.feed(s, no);
				this.crashEvent();
			}
		}
	}

	/**
	 * ddb without a report: the panic line was garbled beyond recognition (two CPUs printing at
	 * once) or lost. ddb's `show panic` still has the message: `*cpuN: MSG`, or the message alone
	 * on a uniprocessor kernel. That opens the report, unless this boot already has one.
	 */
	private ddbWithoutReport(s: string, no: number): void {
		const prompt = DDB_LINE_RE.exec(s);
		if (prompt) {
			this.ddbShowPanic = prompt[1].trim() === 'show panic';
			return;
		}
		if (!this.ddbShowPanic) return;
		const star = /^\s*\*cpu\d+: (.+)$/.exec(s);
		// Other CPUs' lines (` cpu1: ...`) may come first; a line without a CPU is the uniprocessor form, and the only one.
		if (!star && /^\s*cpu\d+: /.test(s)) return;
		this.ddbShowPanic = false;
		const msg = (star ? star[1] : s).trim();
		const b = this.cur(no);
		if (!msg || msg === 'the kernel did not panic' || this.crashes.some((c) => c.boot === b.no && !c.userland)) return;
		const builder = new CrashBuilder({ kind: 'panic', text: msg, syz: 'panic' }, no, b.no, this.crashes.length, !this.wantEvents);
		if (this.cmdLine) this.pending = { builder, held: [] };
		this.open = builder;
		this.crashes.push(builder.crash);
		builder.markDdb();
		builder.feed(s, no);
		this.crashEvent();
	}

	/** While scanning, the lines that need a look; null: look at every line. */
	private skipRegex(): SkipPattern | null {
		// A crash report is read line by line until it has named itself; then only prompts and stages matter.
		if (this.open && this.open.wantsEveryLine()) return null;
		const b = this.boots.at(-1);
		if (!b) return skipPattern('all', true, false);
		const stage = b.stage;
		// The banner's detail lines (builder, memory) are read one by one; so is `show panic` output without a report.
		if (stage === 'banner' || (stage === 'ddb' && this.ddbShowPanic)) return null;
		const devices = stage === 'ddb' ? 'none' : b.lazy && b.dmesgOpen ? 'cpu' : 'all';
		return skipPattern(devices, maybeUserland(stage), stage !== null && INTERACTIVE.has(stage));
	}

	/** Lines nothing reacts to: only the dmesg region needs them. */
	private run(r: LineRun): boolean {
		if (this.open && r.lastNonEmptyNo > 0) this.open.crash.endLine = r.lastNonEmptyNo;
		const b = this.boots.at(-1);
		if (b && b.dmesgOpen && b.dmesgRange) {
			if (!b.dmesgText.addRun(r)) return false;
			if (r.firstNonBlank >= 0) {
				b.dmesgRange.lastLine = r.lastNonBlankNo;
				b.dmesgRange.end = r.lastNonBlankEnd;
			}
		}
		return true;
	}

	private defer(b: Boot, l: RawLine): void {
		for (const seg of segments(l.text)) if (seg) b.deferred.push({ s: own(seg), no: l.no });
	}

	/** A crash changed; a pending one is announced once decided. */
	private crashEvent(b: CrashBuilder = this.open!): void {
		if (!this.wantEvents || this.pending?.builder === b) return;
		const c = b.crash;
		this.events.push({ type: 'crash', index: b.index, crash: { ...c, frames: [...c.frames], altTitles: [...c.altTitles] } });
	}
}

export function scanBytes(bytes: Uint8Array): GuestSummary {
	const p = new GuestParser({ events: false });
	p.push(bytes, 0);
	p.end();
	return p.summary();
}
