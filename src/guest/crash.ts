// Crash reports and their one-line titles. The title follows syzkaller's OpenBSD rules
// (pkg/report/openbsd.go, restated rule by rule in shared/docs/openbsd-crash-titles.md)
// exactly, because OpenBSD developers search syzbot and bugs@ by title and a title that
// differs splits one bug in two. Where our own reading says more (arm64 trap plumbing
// skipped, an arm64 `uvm_fault failed` panic named by its frame), that goes into
// altTitles. Faults are named by the first meaningful backtrace frame, because on MP
// kernels ddb may stop on a CPU that did not fault and two CPUs' output can interleave,
// so the first line is not trustworthy; for the same reason a garbled panic line gives
// way to the clean copy in ddb's `show panic`.
import type { Crash, CrashType } from './types.ts';
import { human, own } from './lines.ts';

export type CrashKind = 'panic' | 'uvm_fault' | 'protection_fault' | 'double_fault' | 'trap' | 'lor' | 'witness';
/** The headers syzkaller knows; `kernel` is `kernel: page fault trap` / `kernel: protection fault trap`. */
type SyzKind = 'panic' | 'lor' | 'witness' | 'uvm_fault' | 'kernel';

export interface Header {
	kind: CrashKind;
	/** The interesting text: the panic message, the witness line, the fault line. */
	text: string;
	/** The header as syzkaller sees it, when it is one of syzkaller's. */
	syz: SyzKind | null;
}

// Cheap literal tests first: this runs on every line of every log.
const MAYBE_RE = /panic: |fault|witness: |lock order reversal| from EL1|in kernel|SError: /;
function mayBeHeader(s: string): boolean {
	return MAYBE_RE.test(s);
}

/**
 * The crash header a line holds, if any. Within one line syzkaller tries its headers in the
 * order panic, lock order reversal, witness, uvm_fault, kernel (so `witness: lock order
 * reversal:` is a reversal); ours add the newer amd64 `fatal ... fault` and arm64 trap lines.
 */
export function crashHeader(s: string): Header | null {
	if (!mayBeHeader(s)) return null;
	let i = s.indexOf('panic: ');
	if (i >= 0) return { kind: 'panic', text: s.slice(i + 7).trimEnd(), syz: 'panic' };
	if (s.includes('lock order reversal:')) return { kind: 'lor', text: 'lock order reversal:', syz: 'lor' };
	if ((i = s.indexOf('witness: ')) >= 0) return { kind: 'witness', text: s.slice(i).trimEnd(), syz: 'witness' };
	if ((i = s.indexOf('uvm_fault(')) >= 0 && s.includes(') -> ')) return { kind: 'uvm_fault', text: s.slice(i), syz: 'uvm_fault' };
	if (s.includes('reorder_kernel')) return null;
	if ((i = s.indexOf('kernel: page fault trap')) >= 0) return { kind: 'uvm_fault', text: s.slice(i), syz: 'kernel' };
	if ((i = s.indexOf('kernel: protection fault trap')) >= 0) return { kind: 'protection_fault', text: s.slice(i), syz: 'kernel' };
	const fatal = /^fatal (\w+) fault in supervisor mode/.exec(s);
	if (fatal) {
		const kind = fatal[1] === 'page' ? 'uvm_fault' : fatal[1] === 'protection' ? 'protection_fault' : fatal[1] === 'double' ? 'double_fault' : 'trap';
		return { kind, text: s, syz: null };
	}
	// arm64 trap.c with DDB
	if (/^(?:attempt to \w+ user address 0x[0-9a-f]+ from EL1|FP exception in kernel|Branch target exception in kernel|Pointher authentication failure in kernel|Unknown kernel exception|SError: )/.test(s)) {
		return { kind: 'trap', text: s.trimEnd(), syz: null };
	}
	return null;
}

const WITNESS_FRAME_RE = /^#\d+\s+([A-Za-z_][\w.]*)\+0x/;
const STOPPED_RE = /^Stopped at\s+([^\s:]+)/;
const DDB_PROMPT_RE = /^ddb(\{\d+\})?> ?(.*)$/;
const TRACE_END_RE = /^(?:end trace frame|End of stack trace|end of kernel)/;
// A trace line names its function before the paren; a jump through a bad pointer prints an
// address there instead: `fffffd802ea85278(...) at 0xfffffd802ea85278`.
const FRAME_START_RE = /^([A-Za-z_][\w.]*|(?:0x)?[0-9a-f]+)\(/;
const HEX_NAME_RE = /^(?:0x)?[0-9a-f]{8,}$/;
const BARE_ADDR_RE = /^(?:0x)?[0-9a-f]+(?:\s|$)/;
// Frames syzkaller skips to find the first meaningful one: trap entry, panic, ddb, sanitizer
// and byte helpers.
const BYTE_HELPERS = 'memcpy|memmove|memset|memcmp|bcmp|bcopy|bzero|kcopy|strcmp|strncmp|strlcpy|strlcat|strlen|strnlen|strncpy|copyin\\w*|copyout\\w*';
const SYZ_SKIP_RE = new RegExp(`^(?:panic|kerntrap|usertrap|alltraps\\w*|savectx|db_enter|__asan_(?:load|store)\\w*|kasan_mem\\w*|${BYTE_HELPERS})$`);
// Ours skip more: every ddb helper, the arm64 exception path (handle_el1h_sync, do_el1h_sync,
// kdata_abort), the fault handler itself, assertion and witness plumbing.
const OUR_SKIP_RE = new RegExp(
	`^(?:panic|__panic|db_\\w+|kdb_\\w+|savectx|kerntrap|usertrap|trap|user_trap|kernel_trap|\\w*alltraps\\w*|calltrap|Xtrap\\w*|X\\w*intr\\w*|Xspllower|Xsoftclock|Xsyscall|recall_trap|do_el[01]\\w*|handle_el\\w*|data_abort|kdata_abort|udata_abort|uvm_fault\\w*|__assert|assertwaitok|splassert_fail|__asan_\\w+|kasan_\\w+|copystr|witness_\\w+|intr_handler|${BYTE_HELPERS})$`,
);
// The frame a KASAN report is caught in, before the function that made the access.
const KASAN_ACCESS_RE = new RegExp(`^(?:__asan_\\w+_noabort|kasan_mem(?:cpy|move|set|cmp)|${BYTE_HELPERS})$`);
const KASAN_TEXT = 'Caught invalid memory access';
const CLEANED_VNODE = 'cleaned vnode';
// Text of another message inside a panic line: a second CPU printed at the same moment.
const INTRUSION_RE = /panic: |uvm_fault\(|Stopped at|witness: |lock order reversal|kernel: (?:page|protection) fault trap|ddb(?:\{\d+\})?>/;

const MAX_FRAMES = 64;
const MAX_TITLE_FRAMES = 256;
const MAX_PANIC_LINES = 16;
const MAX_TITLE = 120;

/** One trace line: the function (or the address printed in its place) and whether it names a symbol. */
export function parseFrame(s: string): { name: string; symbol: boolean } | null {
	const paren = s.indexOf('(');
	if (paren <= 0 || paren > 80) return null;
	const m = FRAME_START_RE.exec(s);
	if (!m) return null;
	const at = s.indexOf(') at ', paren);
	// A line wrapped at 80 columns carries its ` at` on the next one; `uvm_fault(...) -> e` is no frame.
	if (at < 0 && (s.length < 79 || s.includes(') -> '))) return null;
	const name = m[1];
	let symbol = !HEX_NAME_RE.test(name) && !name.startsWith('0x');
	if (at >= 0) {
		const loc = s.slice(at + 5).trimStart();
		if (BARE_ADDR_RE.test(loc) && !/^\S*\+/.test(loc)) symbol = false;
	}
	return { name, symbol };
}

// The replacements of syzkaller's title normalisation, in its order.
const ADDR_RE = /([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g;
const IP_RE = /([^a-zA-Z0-9])(?:[0-9]{1,3}\.){3}[0-9]{1,3}/g;
const LINE_RE = /(\.\w+)(?::[0-9]+)+/g;
const FUNC_OFF_RE = /([a-zA-Z][a-zA-Z0-9_.]*)\+0x[0-9a-z]+\/0x[0-9a-z]+/g;
const CPU_RE = /CPU#[0-9]+/g;
const NUM_RE = /(\W)\d+(?=\W|$)/g;
const LONG_NUM_RE = /\d{7,}/g;

/** Tabs to spaces, control and non-ASCII characters dropped, spaces collapsed, trimmed, cut at 120. */
export function sanitizeTitle(s: string): string {
	let out = '';
	let prev = ' ';
	for (const ch of s.replaceAll('\t', ' ')) {
		const c = ch.codePointAt(0)!;
		if (c < 0x20 || c > 0x7e) continue;
		if (ch === ' ' && prev === ' ') continue;
		out += ch;
		prev = ch;
	}
	return out.trim().slice(0, MAX_TITLE);
}

/** Numbers and addresses vary between occurrences of the same bug; titles must not. */
export function fold(s: string): string {
	let t = s.replace(ADDR_RE, '$1ADDR').replace(IP_RE, '$1IP').replace(LINE_RE, '$1:LINE').replace(FUNC_OFF_RE, '$1').replace(CPU_RE, 'CPU');
	for (let prev = ''; prev !== t; ) {
		prev = t;
		t = t.replace(NUM_RE, '$1NUM');
	}
	return t.replace(LONG_NUM_RE, 'NUM');
}

export function normaliseTitle(s: string): string {
	// A title is 120 characters; a 4 KiB console line need not be folded whole on every line of its report.
	return sanitizeTitle(fold(s.length > 1024 ? s.slice(0, 1024) : s));
}

interface Titled {
	title: string;
	corrupted: boolean;
	type: CrashType;
}

/** A title made from text of the log: normalised. */
function t(title: string, type: CrashType, corrupted = false): Titled {
	return { title: normaliseTitle(title), type, corrupted };
}
/** A title with no part taken from the log (or only source text, like an assertion): kept as written. */
function fixed(title: string, type: CrashType, corrupted = false): Titled {
	return { title: sanitizeTitle(title), type, corrupted };
}

interface Template {
	re: RegExp;
	make(m: RegExpExecArray): Titled;
}

// syzkaller's per-panic templates (rules 3-12), applied to a panic message without `panic: `.
const TEMPLATES: Template[] = [
	// Source text: syzkaller keeps the expression and file as they are (`== 1` stays).
	{ re: /^kernel diagnostic assertion (.+) failed: file "(?:[^"]*\/)?([^"/]*)"/, make: (m) => fixed(`assert ${m[1]} failed in ${m[2]}`, 'assert') },
	{ re: /^Data modified on freelist: .* previous type (\S+)/, make: (m) => t(`malloc: free list modified: ${m[1]}`, 'corruption') },
	{ re: /^pool_cache_item_magic_check: (\S+) cpu free list modified/, make: (m) => t(`pool: cpu free list modified: ${m[1]}`, 'corruption') },
	{ re: /^pool_do_put: ([^:]+): double pool_put/, make: (m) => t(`pool: double put: ${m[1]}`, 'corruption') },
	{ re: /^pool_(?:do_get|p_free): ([^: ]+):? free list modified/, make: (m) => t(`pool: free list modified: ${m[1]}`, 'corruption') },
	{ re: /^timeout_add: to_ticks \(.+\) < 0/, make: () => fixed('panic: timeout_add: to_ticks < 0', 'panic') },
	{ re: /^attempt to execute user address (?:0x)?[0-9a-f]+ in supervisor mode/, make: () => fixed('panic: attempt to execute user address', 'panic') },
	{ re: /^unhandled af/, make: () => fixed('panic: unhandled af', 'panic') },
	{ re: /^(?:kqueue|knote).* ([a-z]+ .*)/, make: (m) => t(`kqueue: ${m[1]}`, 'panic') },
	{ re: /^receive (\d[a-z]*):/, make: (m) => t(`soreceive ${m[1]}`, 'panic') },
];

function template(msg: string): { index: number; titled: Titled } | null {
	for (let i = 0; i < TEMPLATES.length; i++) {
		const m = TEMPLATES[i].re.exec(msg);
		if (m) return { index: i, titled: TEMPLATES[i].make(m) };
	}
	return null;
}

/** `clean` is `line` with another CPU's characters mixed in: every char of clean appears in order. */
function interleaved(clean: string, line: string): boolean {
	if (line.length <= clean.length) return false;
	let j = 0;
	for (let i = 0; i < line.length && j < clean.length; i++) if (line.charCodeAt(i) === clean.charCodeAt(j)) j++;
	return j === clean.length;
}

interface FrameAt {
	name: string;
	symbol: boolean;
	line: number;
}

export class CrashBuilder {
	readonly crash: Crash;
	private readonly kind: CrashKind;
	/** The text of the header that opened the report. */
	private readonly openText: string;
	private traceDone = false;
	private ddbCmd: string | null = null;
	/** The prompt of the current ddb command had a CPU number (`ddb{1}>`, an MP kernel). */
	private ddbMp = false;
	private ddbCmdLine = 0;
	/** The first output line of the current ddb command is next. */
	private firstOutput = false;
	private lines = 0;
	/** The first header syzkaller knows, where it is, and its text. */
	private syz: { kind: SyzKind; line: number; text: string } | null = null;
	private readonly panics: { msg: string; line: number }[] = [];
	/** ddb's copy of the panic message: `*cpuN: MSG` (MP) or the first line of `show panic` (UP). */
	private clean: { msg: string; line: number; mp: boolean } | null = null;
	private traceAfterShowPanic = false;
	private readonly titleFrames: FrameAt[] = [];
	private stopped: { loc: string; line: number } | null = null;
	private kasanLine = 0;
	private cleanedVnodeLine = 0;
	private lor1: string | null = null;
	private lor2: string | null = null;
	private lorMissing = false;
	private witnessText: string | null = null;
	private sysCall: string | null = null;
	private dirty = false;
	/** Evidence changed since the title was last made (lazy builders only). */
	private stale = false;

	constructor(
		header: Header,
		line: number,
		boot: number,
		/** Position in the parser's crash list, for events. */
		readonly index = 0,
		/**
		 * Make the title only when refresh() asks (scanning a file: nobody looks before the
		 * end, and remaking it on every frame line cost a third of the scan).
		 */
		private readonly lazy = false,
	) {
		this.kind = header.kind;
		this.openText = own(header.text);
		this.crash = {
			title: '',
			altTitles: [],
			type: 'panic',
			corrupted: false,
			suppressed: false,
			userland: false,
			line,
			endLine: line,
			boot,
			message: null,
			stoppedAt: null,
			frames: [],
			ddb: false,
		};
		this.header(header, line);
		if (lazy) this.stale = true;
		else this.retitle();
	}

	/** The report was opened from ddb's `show panic` output: it is in ddb already. */
	markDdb(): void {
		this.crash.ddb = true;
		// Its first line is the clean copy itself; the templates read it like a panic line.
		this.clean = { msg: this.panics[0]?.msg ?? '', line: this.crash.line, mp: false };
	}

	/** Bring the title and flags up to date with what was fed (a lazy builder's crash is stale until then). */
	refresh(): void {
		if (!this.stale) return;
		this.stale = false;
		this.retitle();
	}

	/** Feed every line of the report, the header line included. Returns true if the title or flags changed. */
	feed(s: string, line: number): boolean {
		this.crash.endLine = line;
		this.dirty = false;
		this.feedLine(s, line);
		this.lines++;
		if (!this.dirty) return false;
		if (this.lazy) {
			this.stale = true;
			return false;
		}
		const { title, corrupted, altTitles } = this.crash;
		this.retitle();
		return this.crash.title !== title || this.crash.corrupted !== corrupted || this.crash.altTitles.join('\n') !== altTitles.join('\n');
	}

	private feedLine(s: string, line: number): void {
		const c = this.crash;
		// When the scan skips lines (wantsEveryLine() false), only the lines its skip pattern
		// flags reach here; the live parser must react to the same ones, or the two would differ.
		const every = this.lines === 0 || this.wantsEveryLine();
		const c0 = s.charCodeAt(0);
		if (c0 === 0x64 /* d */) {
			const p = DDB_PROMPT_RE.exec(s);
			if (p) {
				c.ddb = true;
				this.ddbCmd = p[2].trim() || null;
				this.ddbMp = p[1] !== undefined;
				this.ddbCmdLine = line;
				this.firstOutput = true;
				if (this.ddbCmd === 'trace' && this.ddbMp && this.clean?.mp) this.traceAfterShowPanic = true;
				this.dirty = true;
				return;
			}
		}
		if (c0 === 0x53 /* S */ && this.stopped === null && s.startsWith('Stopped at')) {
			const m = STOPPED_RE.exec(s);
			if (m) {
				this.stopped = { loc: own(m[1]), line };
				c.stoppedAt = this.stopped.loc;
				this.dirty = true;
			}
		}
		const inDdb = c.ddb;
		// The constructor read the first line's header.
		if (!inDdb && this.lines > 0) {
			const h = crashHeader(s);
			if (h) this.header(h, line);
		}
		if (!every) return;
		const first = this.firstOutput;
		this.firstOutput = false;
		if (inDdb && this.ddbCmd === 'show panic') this.showPanic(s, line, first);
		if (this.kasanLine === 0 && s.includes(KASAN_TEXT)) {
			this.kasanLine = line;
			this.dirty = true;
		}
		if (this.cleanedVnodeLine === 0 && s.includes(CLEANED_VNODE)) {
			this.cleanedVnodeLine = line;
			this.dirty = true;
		}
		const paren = s.indexOf('(');
		if (paren > 0 && paren <= 80) {
			const f = parseFrame(s);
			if (f) {
				if (this.titleFrames.length < MAX_TITLE_FRAMES) {
					this.titleFrames.push({ name: own(f.name), symbol: f.symbol, line });
					this.dirty = true;
				}
				if (!this.traceDone && (!inDdb || this.ddbCmd === 'trace' || this.ddbCmd === 'show panic') && c.frames.length < MAX_FRAMES) c.frames.push(own(f.name));
			}
		} else if (c0 === 0x23 /* # */ && !inDdb && (this.kind === 'lor' || this.kind === 'witness') && !this.traceDone && c.frames.length < MAX_FRAMES) {
			const w = WITNESS_FRAME_RE.exec(s);
			if (w) {
				c.frames.push(own(w[1]));
				this.dirty = true;
			}
		}
		if ((c0 === 0x65 /* e */ || c0 === 0x45) /* E */ && c.frames.length > 0 && TRACE_END_RE.test(s)) this.traceDone = true;
		if (this.syz?.kind === 'witness' && this.sysCall === null && s.includes('sys_')) {
			// syzkaller: `.*sys_([a-z0-9_]+)\+`, the last one on the first line that has one.
			const all = [...s.matchAll(/sys_([a-z0-9_]+)\+/g)];
			if (all.length) {
				this.sysCall = own(all[all.length - 1][1]);
				this.dirty = true;
			}
		}
		if (!inDdb && this.syz?.kind === 'lor') {
			const m = /^\s*(1st|2nd) 0x[0-9a-f]+ (\S+)/.exec(s);
			if (m) {
				if (m[1] === '1st') this.lor1 ??= own(m[2]);
				else this.lor2 ??= own(m[2]);
				this.dirty = true;
			} else if (/lock order data .*missing/.test(s)) {
				this.lorMissing = true;
				this.dirty = true;
			}
		}
	}

	private showPanic(s: string, line: number, first: boolean): void {
		const star = /^\s*\*cpu\d+: (.*)$/.exec(s);
		if (star) {
			if (!this.clean?.mp) this.setClean(star[1], line, true);
			return;
		}
		// A uniprocessor (or older) kernel prints the message alone; `the kernel did not panic` is no message.
		if (first && this.clean === null && !/^\s*cpu\d+: /.test(s)) {
			const msg = s.trim();
			if (msg && msg !== 'the kernel did not panic') this.setClean(msg, line, false);
		}
	}

	private setClean(msg: string, line: number, mp: boolean): void {
		this.clean = { msg: human(msg.trim()), line: this.ddbCmdLine || line, mp };
		this.dirty = true;
	}

	/**
	 * Could a line that the scan's skip pattern does not flag (see skip.ts: headers, `panic: `,
	 * `Stopped at`, ddb prompts) still change this report? Frames and lock names can be anywhere.
	 */
	wantsEveryLine(): boolean {
		if (!this.traceDone || this.firstOutput || this.ddbCmd === 'show panic') return true;
		if (this.ddbCmd === 'trace' && this.needsFrames()) return true;
		const k = this.syz?.kind;
		if (k === 'lor') return !(this.lor1 && this.lor2) && !this.lorMissing;
		if (k === 'witness') return this.sysCall === null && (this.witnessText ?? '').startsWith('witness: userret:');
		return false;
	}

	/** A fault still without a meaningful frame: a later ddb `trace` may name it. */
	private needsFrames(): boolean {
		if (this.kind !== 'uvm_fault' && this.kind !== 'protection_fault' && this.kind !== 'double_fault' && this.syz?.kind !== 'uvm_fault' && this.syz?.kind !== 'kernel') return false;
		return this.firstFrame(SYZ_SKIP_RE, 0) === null || this.firstFrame(OUR_SKIP_RE, 0) === null;
	}

	private header(h: Header, line: number): void {
		if (h.syz && this.syz === null) {
			this.syz = { kind: h.syz, line, text: own(h.text) };
			this.dirty = true;
		}
		if (h.kind === 'panic' && this.panics.length < MAX_PANIC_LINES) {
			this.panics.push({ msg: human(h.text), line });
			if (this.crash.message === null) this.crash.message = this.panics[0].msg;
			this.dirty = true;
		}
		if (h.kind === 'witness' && this.witnessText === null) {
			this.witnessText = own(h.text);
			this.dirty = true;
		}
	}

	/** The first frame after `after` (a line number) that `skip` does not skip and that names a symbol. */
	private firstFrame(skip: RegExp, after: number): string | null {
		for (const f of this.titleFrames) if (f.line > after && f.symbol && !skip.test(f.name)) return f.name;
		return null;
	}

	/** KASAN: the frame right after the sanitizer's own frames (`__asan_load8_noabort`, `memcpy`, ...). */
	private kasanFrame(): string | null {
		let inAccess = false;
		for (const f of this.titleFrames) {
			if (f.line < this.kasanLine) continue;
			if (KASAN_ACCESS_RE.test(f.name)) inAccess = true;
			else if (inAccess && f.symbol) return f.name;
		}
		return null;
	}

	/** The panic message to read: the panic line, or ddb's copy when the line is garbled. */
	private panicMessage(): { msg: string; line: number; garbled: boolean } | null {
		const p = this.panics[0];
		const clean = this.clean;
		if (!p) return clean ? { msg: clean.msg, line: clean.line, garbled: false } : null;
		const garbled = INTRUSION_RE.test(p.msg) || (clean !== null && clean.msg !== p.msg && interleaved(clean.msg, p.msg));
		if (garbled && clean) return { msg: clean.msg, line: p.line, garbled: false };
		if (garbled) {
			// No clean copy: what came before the other message is the best there is.
			const cut = INTRUSION_RE.exec(p.msg);
			return { msg: cut ? p.msg.slice(0, cut.index).trimEnd() : p.msg, line: p.line, garbled: true };
		}
		return { msg: p.msg, line: p.line, garbled: false };
	}

	private stoppedFunc(): { func: string | null; symbol: boolean } | null {
		if (!this.stopped) return null;
		const loc = this.stopped.loc;
		const plus = loc.indexOf('+');
		if (plus > 0) return { func: loc.slice(0, plus), symbol: true };
		return { func: null, symbol: !BARE_ADDR_RE.test(loc) };
	}

	/** syzkaller's title, or null when the report holds none of its headers. */
	private syzTitle(): Titled | null {
		const h = this.syz;
		if (!h) return null;
		switch (h.kind) {
			case 'panic':
				return this.syzPanic();
			case 'lor':
				return this.lorTitle();
			case 'witness':
				return this.witnessTitle();
			case 'uvm_fault': {
				const f = this.firstFrame(SYZ_SKIP_RE, h.line);
				if (f) return t(`uvm_fault: ${f}`, 'uvm_fault');
				const st = this.stoppedFunc();
				if (st && st.func === null && !st.symbol) return fixed('uvm_fault', 'uvm_fault');
				if (st?.func) return t(`uvm_fault: ${st.func}`, 'uvm_fault');
				return fixed('uvm_fault', 'uvm_fault', true);
			}
			case 'kernel': {
				const [prefix, type] = h.text.startsWith('kernel: page') ? (['uvm_fault', 'uvm_fault'] as const) : (['protection_fault', 'protection_fault'] as const);
				const f = this.firstFrame(SYZ_SKIP_RE, h.line);
				if (f) return t(`${prefix}: ${f}`, type);
				const st = this.stoppedFunc();
				if (st?.func) return t(`${prefix}: ${st.func}`, type);
				return fixed(prefix, type, true);
			}
		}
	}

	/**
	 * The panic rules. When several match, the one matching earliest in the report wins, then
	 * the order of the list (syzkaller's extractDescription): a template on the panic line
	 * beats ddb's `show panic`, which only decides when the first line was garbled.
	 */
	private syzPanic(): Titled {
		const pm = this.panicMessage();
		let best: { pos: number; order: number; titled: Titled } | null = null;
		const offer = (pos: number, order: number, titled: Titled) => {
			if (!best || pos < best.pos || (pos === best.pos && order < best.order)) best = { pos, order, titled };
		};
		if (this.kasanLine) {
			// The KASAN text is the panic message (its clean copy may only be in show panic): it counts from the header.
			const f = this.kasanFrame();
			if (f) offer(this.syz!.line, 1, t(`KASAN: invalid memory access in ${f}`, 'panic'));
		}
		if (this.clean?.mp && this.traceAfterShowPanic) offer(this.clean.line, 2, t(`panic: ${this.clean.msg}`, 'panic'));
		const seen = new Set<number>();
		this.panics.forEach((p, i) => {
			// The first panic line is read as its clean copy when it was garbled.
			const msg = i === 0 && pm ? pm.msg : p.msg;
			const m = template(msg);
			if (m && !seen.has(m.index)) {
				seen.add(m.index);
				offer(p.line, 3 + m.index, m.titled);
			}
		});
		if (this.cleanedVnodeLine) offer(this.cleanedVnodeLine, 13, fixed("panic: cleaned vnode isn't", 'panic'));
		const found = best as { titled: Titled } | null;
		if (found) return { ...found.titled, corrupted: found.titled.corrupted || (pm?.garbled ?? false) };
		if (!pm || pm.msg === '') return fixed('panic', 'panic', true);
		return t(`panic: ${pm.msg}`, 'panic', pm.garbled);
	}

	private lorTitle(): Titled {
		if (this.lorMissing) return fixed('witness: reversal: lock order data missing', 'witness');
		if (this.lor1 && this.lor2) return t(`witness: reversal: ${this.lor1} ${this.lor2}`, 'witness');
		return fixed('witness: reversal', 'witness', true);
	}

	private witnessTitle(): Titled {
		const w = this.witnessText ?? 'witness:';
		if (/^witness: thread (?:0x)?[0-9a-f]+ exiting with the following locks held:/.test(w)) return fixed('witness: thread exiting with locks held', 'witness');
		if (w.startsWith('witness: userret: returning with the following locks held:')) {
			if (this.sysCall) return t(`witness: userret: ${this.sysCall}`, 'witness');
			return fixed('witness: userret', 'witness', true);
		}
		return t(w, 'witness');
	}

	/** Our reading: more plumbing skipped, arm64 and newer amd64 fault panics named by frame. */
	private ourTitle(): Titled {
		switch (this.kind) {
			case 'uvm_fault':
			case 'protection_fault':
			case 'double_fault':
				return this.byFrame(this.kind, this.kind);
			case 'lor':
				return this.lorTitle();
			case 'witness':
				return this.witnessTitle();
			case 'trap':
				return t(`trap: ${this.openText}`, 'trap');
			case 'panic':
				return this.ourPanic();
		}
	}

	private byFrame(prefix: string, type: CrashType): Titled {
		const f = this.firstFrame(OUR_SKIP_RE, 0);
		if (f) return t(`${prefix}: ${f}`, type);
		const st = this.stoppedFunc();
		if (st?.func && !OUR_SKIP_RE.test(st.func) && /^[A-Za-z_]/.test(st.func)) return t(`${prefix}: ${st.func}`, type);
		return fixed(prefix, type, true);
	}

	private ourPanic(): Titled {
		const pm = this.panicMessage();
		if (!pm || pm.msg === '') return fixed('panic', 'panic', true);
		const m = pm.msg;
		if (/^uvm_fault failed: /.test(m) || /^trap type 6, code=/.test(m)) return this.byFrame('uvm_fault', 'uvm_fault');
		if (this.kasanLine) {
			const f = this.kasanFrame();
			if (f) return t(`KASAN: invalid memory access in ${f}`, 'panic', pm.garbled);
		}
		const tm = template(m);
		if (tm) return { ...tm.titled, corrupted: pm.garbled };
		if (this.cleanedVnodeLine) return fixed("panic: cleaned vnode isn't", 'panic', pm.garbled);
		return t(`panic: ${m}`, 'panic', pm.garbled);
	}

	private suppressed(): boolean {
		const k = this.syz?.kind;
		if (k === 'panic') return this.panics.some((p) => p.msg.startsWith('vop_generic_badop') || p.msg.trimEnd().endsWith('send disconnect: Broken pipe'));
		if (k === 'lor') return this.lor1 === 'inode' || this.lor2 === 'inode';
		return false;
	}

	private retitle(): void {
		const ours = this.ourTitle();
		const syz = this.syzTitle();
		const c = this.crash;
		const main = syz ?? ours;
		c.title = main.title;
		c.corrupted = main.corrupted;
		c.type = ours.type;
		c.altTitles = ours.title !== main.title && !ours.corrupted ? [ours.title] : [];
		c.suppressed = this.suppressed();
		const pm = this.panicMessage();
		if (pm && pm.msg) c.message = pm.msg;
	}
}
