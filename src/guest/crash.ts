// Crash reports and their one-line titles, after syzkaller's OpenBSD conventions
// (pkg/report/openbsd.go): faults are named by the first meaningful backtrace frame,
// because on MP kernels ddb may stop on a CPU that did not fault and two CPUs' output can
// interleave, so the first line is not trustworthy; panics by their message with numbers
// and addresses folded; witness reports by the locks involved.
import type { Crash, CrashType } from './types.ts';
import { human, own } from './lines.ts';

export type CrashKind = 'panic' | 'uvm_fault' | 'protection_fault' | 'double_fault' | 'trap' | 'lor' | 'witness';

export interface Header {
	kind: CrashKind;
	/** The interesting text: the panic message, the witness line, the fault line. */
	text: string;
}

// Cheap literal tests first: this runs on every line of every log.
const MAYBE_RE = /panic: |fault|witness: |lock order reversal| from EL1|in kernel|SError: /;
function mayBeHeader(s: string): boolean {
	return MAYBE_RE.test(s);
}

export function crashHeader(s: string): Header | null {
	if (!mayBeHeader(s)) return null;
	let i = s.indexOf('panic: ');
	if (i >= 0) return { kind: 'panic', text: s.slice(i + 7).trimEnd() };
	if ((i = s.indexOf('uvm_fault(')) >= 0 && s.includes(') -> ')) return { kind: 'uvm_fault', text: s.slice(i) };
	if (s.includes('reorder_kernel')) return null;
	if ((i = s.indexOf('kernel: page fault trap')) >= 0) return { kind: 'uvm_fault', text: s.slice(i) };
	if ((i = s.indexOf('kernel: protection fault trap')) >= 0) return { kind: 'protection_fault', text: s.slice(i) };
	if (s.includes('lock order reversal:')) return { kind: 'lor', text: 'lock order reversal:' };
	if ((i = s.indexOf('witness: ')) >= 0) return { kind: 'witness', text: s.slice(i).trimEnd() };
	const fatal = /^fatal (\w+) fault in supervisor mode/.exec(s);
	if (fatal) {
		const kind = fatal[1] === 'page' ? 'uvm_fault' : fatal[1] === 'protection' ? 'protection_fault' : fatal[1] === 'double' ? 'double_fault' : 'trap';
		return { kind, text: s };
	}
	// arm64 trap.c with DDB
	if (/^(?:attempt to \w+ user address 0x[0-9a-f]+ from EL1|FP exception in kernel|Branch target exception in kernel|Pointher authentication failure in kernel|Unknown kernel exception|SError: )/.test(s)) {
		return { kind: 'trap', text: s.trimEnd() };
	}
	return null;
}

const FRAME_RE = /^([A-Za-z_][\w.]*)\((.*)$/;
const WITNESS_FRAME_RE = /^#\d+\s+([A-Za-z_][\w.]*)\+0x/;
const STOPPED_RE = /^Stopped at\s+([^\s:]+)/;
const DDB_PROMPT_RE = /^ddb(?:\{(\d+)\})?> ?(.*)$/;
const TRACE_END_RE = /^(?:end trace frame|End of stack trace|end of kernel)/;
const SKIP_FRAME_RE =
	/^(?:panic|__panic|db_\w+|kdb_\w+|savectx|kerntrap|trap|user_trap|kernel_trap|\w*alltraps\w*|calltrap|Xtrap\w*|X\w*intr\w*|Xspllower|Xsoftclock|Xsyscall|recall_trap|do_el[01]\w*|handle_el\w*|data_abort|kdata_abort|udata_abort|uvm_fault\w*|__assert|assertwaitok|splassert_fail|__asan_\w+|kasan_\w+|memcpy|memset|memmove|memcmp|bcopy|bzero|kcopy|copyin\w*|copyout\w*|copystr|strlen|strcmp|strncmp|strlcpy|strlcat|strncpy|witness_\w+|intr_handler)$/;

const MAX_FRAMES = 64;

/** Numbers and addresses vary between occurrences of the same bug; titles must not. */
export function fold(s: string): string {
	return s
		.replace(/\b(?:0x)?[0-9a-f]{8,}\b/g, 'ADDR')
		.replace(/0x[0-9a-fA-F]+/g, 'ADDR')
		.replace(/(^|[^\w.])-?\d+(?![\w.])/g, '$1NUM');
}

function funcOf(loc: string): string {
	const plus = loc.indexOf('+');
	return plus > 0 ? loc.slice(0, plus) : loc;
}

export class CrashBuilder {
	readonly crash: Crash;
	private readonly kind: CrashKind;
	private traceDone = false;
	private ddbCmd: string | null = null;
	private firstOutput = false;
	private lor1: string | null = null;
	private lor2: string | null = null;
	private lorMissing = false;
	private witnessText: string | null = null;
	private dirty = false;

	constructor(
		header: Header,
		line: number,
		boot: number,
		/** Position in the parser's crash list, for events. */
		readonly index = 0,
	) {
		this.kind = header.kind;
		this.crash = {
			title: '',
			type: 'panic',
			corrupted: false,
			line,
			endLine: line,
			boot,
			message: null,
			stoppedAt: null,
			frames: [],
			ddb: false,
		};
		this.header(header);
		this.retitle();
	}

	/** Feed every line of the report, the header line included. Returns true if the title or flags changed. */
	feed(s: string, line: number): boolean {
		this.crash.endLine = line;
		this.dirty = false;
		this.feedLine(s);
		if (!this.dirty) return false;
		const { title, corrupted } = this.crash;
		this.retitle();
		return this.crash.title !== title || this.crash.corrupted !== corrupted;
	}

	private feedLine(s: string): void {
		const c = this.crash;
		const c0 = s.charCodeAt(0);
		if (c0 === 0x64 /* d */) {
			const p = DDB_PROMPT_RE.exec(s);
			if (p) {
				c.ddb = true;
				this.ddbCmd = p[2].trim() || null;
				this.firstOutput = true;
				return;
			}
		}
		if (this.firstOutput) {
			this.firstOutput = false;
			if (this.ddbCmd === 'show panic' && c.message === null) {
				const msg = s.replace(/^\s*\*?cpu\d+: /, '').trim();
				if (msg && msg !== 'the kernel did not panic') this.setMessage(human(msg));
			}
		}
		const inDdb = c.ddb;
		if (!this.traceDone && (!inDdb || this.ddbCmd === 'trace' || this.ddbCmd === 'show panic')) {
			// Frames start with an identifier and an open paren: cheap test before the regex.
			const paren = s.indexOf('(');
			if (paren > 0 && paren < 80 && c.frames.length < MAX_FRAMES) {
				const f = FRAME_RE.exec(s);
				if (f) this.addFrame(f[1]);
			} else if (c0 === 0x23 /* # */ && !inDdb && (this.kind === 'lor' || this.kind === 'witness') && c.frames.length < MAX_FRAMES) {
				const w = WITNESS_FRAME_RE.exec(s);
				if (w) this.addFrame(w[1]);
			}
			if ((c0 === 0x65 /* e */ || c0 === 0x45) /* E */ && c.frames.length > 0 && TRACE_END_RE.test(s)) this.traceDone = true;
		}
		if (c0 === 0x53 /* S */ && c.stoppedAt === null && s.startsWith('Stopped at')) {
			const m = STOPPED_RE.exec(s);
			if (m) {
				c.stoppedAt = own(m[1]);
				this.dirty = true;
			}
		}
		if (!inDdb) {
			if (this.kind === 'lor') {
				const m = /^\s*(1st|2nd) 0x[0-9a-f]+ (\S+)/.exec(s);
				if (m) {
					if (m[1] === '1st') this.lor1 ??= own(m[2]);
					else this.lor2 ??= own(m[2]);
					this.dirty = true;
				} else if (/^lock order data .* missing/.test(s)) {
					this.lorMissing = true;
					this.dirty = true;
				}
			}
			const h = crashHeader(s);
			if (h) this.header(h);
		}
	}

	/**
	 * Could a line that the scan's skip pattern does not flag (see skip.ts: headers, `panic: `,
	 * `Stopped at`, ddb prompts) still change this report? Frames and lock names can be anywhere.
	 */
	wantsEveryLine(): boolean {
		if (!this.traceDone || this.firstOutput) return true;
		return this.kind === 'lor' && !(this.lor1 && this.lor2) && !this.lorMissing;
	}

	private addFrame(name: string): void {
		this.crash.frames.push(own(name));
		this.dirty = true;
	}

	private setMessage(msg: string): void {
		this.crash.message = msg;
		this.dirty = true;
	}

	private header(h: Header): void {
		if (h.kind === 'panic' && this.crash.message === null) this.setMessage(human(h.text));
		if (h.kind === 'witness' && this.witnessText === null) {
			this.witnessText = own(h.text);
			this.dirty = true;
		}
	}

	private firstFrame(): string | null {
		for (const f of this.crash.frames) if (!SKIP_FRAME_RE.test(f)) return f;
		if (this.crash.stoppedAt) {
			const f = funcOf(this.crash.stoppedAt);
			if (!SKIP_FRAME_RE.test(f) && /^[A-Za-z_]/.test(f)) return f;
		}
		return null;
	}

	private set(title: string, type: CrashType, corrupted = false): void {
		this.crash.title = human(title);
		this.crash.type = type;
		this.crash.corrupted = corrupted;
	}

	private byFrame(prefix: string, type: CrashType): void {
		const f = this.firstFrame();
		if (f) this.set(`${prefix}: ${f}`, type);
		else this.set(prefix, type, true);
	}

	private retitle(): void {
		switch (this.kind) {
			case 'uvm_fault':
				return this.byFrame('uvm_fault', 'uvm_fault');
			case 'protection_fault':
				return this.byFrame('protection_fault', 'protection_fault');
			case 'double_fault':
				return this.byFrame('double_fault', 'double_fault');
			case 'lor':
				if (this.lor1 && this.lor2) return this.set(`witness: reversal: ${this.lor1} ${this.lor2}`, 'witness');
				if (this.lorMissing) return this.set('witness: reversal: lock order data missing', 'witness');
				return this.set('witness: reversal', 'witness', true);
			case 'witness': {
				const w = this.witnessText ?? 'witness:';
				if (/^witness: thread (?:0x)?[0-9a-f]+ exiting with the following locks held/.test(w)) {
					return this.set('witness: thread exiting with locks held', 'witness');
				}
				if (w.startsWith('witness: userret: returning with the following locks held')) {
					const sys = this.crash.frames.find((f) => f.startsWith('sys_'));
					if (sys) return this.set(`witness: userret: ${sys.slice(4)}`, 'witness');
					return this.set('witness: userret', 'witness', true);
				}
				return this.set(fold(w), 'witness');
			}
			case 'trap':
				return this.set(`trap: ${fold(this.crash.message ?? '')}`.trimEnd(), 'trap');
			case 'panic':
				return this.panicTitle();
		}
	}

	private panicTitle(): void {
		const m = this.crash.message ?? '';
		let r: RegExpExecArray | null;
		if ((r = /^kernel diagnostic assertion "(.*)" failed: file "(?:[^"]*\/)?([^"/]+)"/.exec(m))) {
			return this.set(`assert "${r[1]}" failed in ${r[2]}`, 'assert');
		}
		if ((r = /^Data (?:modified )?on freelist: word -?\d+ of object 0x[0-9a-f]+ size 0x[0-9a-f]+ previous type (\S+)/.exec(m))) {
			return this.set(`malloc: free list modified: ${r[1]}`, 'corruption');
		}
		if ((r = /^pool_cache_item_magic_check: (\S+) cpu free list modified/.exec(m))) {
			return this.set(`pool: cpu free list modified: ${r[1]}`, 'corruption');
		}
		if ((r = /^pool_do_put: ([^:]+): double pool_put/.exec(m))) return this.set(`pool: double put: ${r[1]}`, 'corruption');
		if ((r = /^pool_do_get: (\S+) free list modified/.exec(m))) return this.set(`pool: free list modified: ${r[1]}`, 'corruption');
		if (/^timeout_add: to_ticks \(.+\) < 0/.test(m)) return this.set('panic: timeout_add: to_ticks < 0', 'panic');
		if (/^attempt to execute user address/.test(m)) return this.set('panic: attempt to execute user address', 'panic');
		if (/^uvm_fault failed: /.test(m) || /^trap type 6, code=/.test(m)) return this.byFrame('uvm_fault', 'uvm_fault');
		if ((r = /^(?:kqueue|knote).* ([a-z]+ .*)/.exec(m))) return this.set(`kqueue: ${fold(r[1])}`, 'panic');
		if ((r = /^receive (\d[a-z]*):/.exec(m))) return this.set(`soreceive ${r[1]}`, 'panic');
		if (m === '') return this.set('panic', 'panic', true);
		return this.set(`panic: ${fold(m)}`, 'panic');
	}
}
