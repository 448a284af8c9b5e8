// Console bytes to lines. Text is decoded as latin1 so one char is one byte: matching
// never throws on invalid UTF-8 and offsets stay byte offsets. Strings shown to people
// go through human(), which re-decodes them as UTF-8 when that is what they were.

/** Only this much of a line is looked at; the bytes still count for offsets and dmesg. */
export const MAX_LINE = 4096;

/**
 * A bigger chunk is split (after a LF where it can) and decoded piece by piece. V8 keeps
 * a decoded string of a few hundred KiB in its large-object space, in pages of its own
 * that are mapped, faulted in and unmapped again for every chunk: decoding 1 MiB at a
 * time cost more than all the parsing. Pieces of this size stay in the young generation.
 */
const PIECE = 64 * 1024;

export interface RawLine {
	/** latin1 text without the LF, capped at MAX_LINE chars. */
	text: string;
	/** 1-based, counted by LF. */
	no: number;
	start: number;
	/** Offset just past the LF. */
	end: number;
	/** The decoded chunk the line is a slice of, [s0, s1) without the LF; null for a line pieced together across chunks. */
	src: string | null;
	s0: number;
	s1: number;
	/** A final line without LF (end of file). */
	last?: boolean;
}

/** A run of complete lines the parser chose not to look at one by one. */
export interface LineRun {
	src: string;
	/** [from, to) in src: whole lines, LFs included. */
	from: number;
	to: number;
	firstNo: number;
	count: number;
	start: number;
	/** src index where the first non-blank line starts, or -1 if all are blank. */
	firstNonBlank: number;
	/** The last non-blank line: its number, src index past its LF, stream offset past its LF. */
	lastNonBlankNo: number;
	lastNonBlankTo: number;
	lastNonBlankEnd: number;
	/** The last line with anything but a CR in it (0 if none). */
	lastNonEmptyNo: number;
}

export interface Skipper {
	/**
	 * What marks the next line that must be looked at, or null to look at every line. `anywhere`
	 * holds literals and global regexes; a CR before the LF is only a line end, so a pattern
	 * that cares about CRs must not match that one.
	 */
	skip(): { start(str: string, s: number): boolean; anywhere: readonly (string | RegExp)[] } | null;
	/** Take a run of uninteresting lines; false to have them delivered one by one instead. */
	run(r: LineRun): boolean;
}

/** Whitespace as /\s/ sees it, in latin1. */
function blankBetween(s: string, from: number, to: number): boolean {
	for (let i = from; i < to; i++) {
		const c = s.charCodeAt(i);
		if (c !== 32 && (c < 9 || c > 13) && c !== 160) return false;
	}
	return true;
}

/** Literals without their first character, made once: this runs for many lines. */
const tails = new Map<string, string>();

/**
 * str.indexOf(lit, from), but a literal starting with a space is looked for from its second
 * character: V8 finds a short literal by memchr on its first character, which stops every
 * few bytes on a space and made ` at ` cost more than all the other literals together.
 */
export function indexOfLiteral(str: string, lit: string, from = 0): number {
	if (lit.length < 2 || lit.charCodeAt(0) !== 32) return str.indexOf(lit, from);
	let rest = tails.get(lit);
	if (rest === undefined) tails.set(lit, (rest = lit.slice(1)));
	for (let i = str.indexOf(rest, from + 1); i >= 0; i = str.indexOf(rest, i + 1)) {
		if (str.charCodeAt(i - 1) === 32) return i - 1;
	}
	return -1;
}

/** Where a global regex first matches at or after from, or -1. */
function indexOfRegex(str: string, re: RegExp, from: number): number {
	re.lastIndex = from;
	const m = re.exec(str);
	return m === null ? -1 : m.index;
}

export class LineSplitter {
	private readonly partialBuf = Buffer.alloc(MAX_LINE);
	/** Next index of each skip literal in nextSrc (-1: none left), so each is searched once per chunk. */
	private readonly next = new Map<string | RegExp, number>();
	private nextSrc: string | null = null;
	/** Reused for every line, like the run (an object per line looked at was garbage to collect): the callback must not keep it. */
	private readonly line: RawLine = { text: '', no: 0, start: 0, end: 0, src: null, s0: 0, s1: 0, last: false };
	/** Reused for every run: the skipper must not keep it. */
	private readonly run: LineRun = {
		src: '',
		from: 0,
		to: 0,
		firstNo: 0,
		count: 0,
		start: 0,
		firstNonBlank: -1,
		lastNonBlankNo: 0,
		lastNonBlankTo: 0,
		lastNonBlankEnd: 0,
		lastNonEmptyNo: 0,
	};
	private partialLen = 0;
	private partialBytes = 0;
	private offset = 0;
	private lineNo = 1;

	constructor(
		private readonly onLine: (line: RawLine) => void,
		private readonly skipper: Skipper | null = null,
	) {}

	get lines(): number {
		return this.lineNo - 1 + (this.partialBytes > 0 ? 1 : 0);
	}

	get bytes(): number {
		return this.offset + this.partialBytes;
	}

	/** Line number the next (or current partial) line will have. */
	get currentLine(): number {
		return this.lineNo;
	}

	push(data: Uint8Array): void {
		const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		if (buf.length <= PIECE) {
			this.pushPiece(buf);
			return;
		}
		for (let from = 0; from < buf.length; ) {
			let to = buf.length;
			if (to - from > PIECE) {
				to = buf.lastIndexOf(10, from + PIECE - 1) + 1;
				if (to <= from) to = from + PIECE;
			}
			this.pushPiece(buf.subarray(from, to));
			from = to;
		}
	}

	private pushPiece(buf: Buffer): void {
		let pos = 0;
		const n = buf.length;
		// One decode per chunk; lines are slices of it. Whatever is kept longer goes through own().
		const str = buf.toString('latin1');
		const lastNl = this.skipper ? str.lastIndexOf('\n') : -1;
		let declinedTo = -1;
		while (pos < n) {
			if (this.skipper && this.partialBytes === 0 && pos <= lastNl && pos >= declinedTo) {
				const run = this.skipTo(str, pos, lastNl);
				if (run !== null) {
					if (this.skipper.run(run)) {
						this.lineNo += run.count;
						this.offset += run.to - run.from;
						pos = run.to;
						continue;
					}
					declinedTo = run.to;
				}
			}
			const nl = str.indexOf('\n', pos);
			if (nl < 0) {
				this.addPartial(buf, pos, n);
				return;
			}
			let text: string;
			let len: number;
			let src: string | null = null;
			if (this.partialBytes === 0) {
				len = nl - pos;
				text = str.slice(pos, Math.min(nl, pos + MAX_LINE));
				src = str;
			} else {
				this.addPartial(buf, pos, nl);
				len = this.partialBytes;
				text = this.partialText();
				this.partialLen = 0;
				this.partialBytes = 0;
			}
			const start = this.offset;
			this.offset += len + 1;
			this.deliver(text, start, src, pos, nl, false);
			pos = nl + 1;
		}
	}

	/**
	 * The lines from pos up to the next one worth looking at, as a run (one pass: lines are
	 * checked and measured together); null when the line at pos itself needs a look.
	 */
	private skipTo(str: string, pos: number, lastNl: number): LineRun | null {
		const p = this.skipper!.skip();
		// Often the very next line needs a look: say so before searching for anything.
		if (p === null || p.start(str, pos)) return null;
		if (str !== this.nextSrc) {
			this.nextSrc = str;
			this.next.clear();
		}
		let hit = lastNl + 1;
		const anywhere = p.anywhere;
		for (let i = 0; i < anywhere.length; i++) {
			const lit = anywhere[i];
			let at = this.next.get(lit);
			if (at === undefined || (at < pos && at !== -1)) {
				at = typeof lit === 'string' ? indexOfLiteral(str, lit, pos) : indexOfRegex(str, lit, pos);
				this.next.set(lit, at);
			}
			if (at >= 0 && at < hit) hit = at;
		}
		// Up to the line holding the first literal hit, unless a line before it starts interestingly.
		const limit = hit > lastNl ? lastNl + 1 : hit === 0 ? 0 : str.lastIndexOf('\n', hit - 1) + 1;
		// Locals, written to the run once at the end: this loop is where most lines of a log go.
		const firstNo = this.lineNo;
		let no = firstNo;
		let firstNonBlank = -1;
		let lastNonBlankNo = 0;
		let lastNonBlankTo = 0;
		let lastNonEmptyNo = 0;
		let s = pos;
		while (s < limit && (s === pos || !p.start(str, s))) {
			const nl = str.indexOf('\n', s);
			if (nl > s && !(nl === s + 1 && str.charCodeAt(s) === 13)) lastNonEmptyNo = no;
			if (!blankBetween(str, s, nl)) {
				if (firstNonBlank < 0) firstNonBlank = s;
				lastNonBlankNo = no;
				lastNonBlankTo = nl + 1;
			}
			no++;
			s = nl + 1;
		}
		if (s === pos) return null;
		const r = this.run;
		r.src = str;
		r.from = pos;
		r.to = s;
		r.firstNo = firstNo;
		r.count = no - firstNo;
		r.start = this.offset;
		r.firstNonBlank = firstNonBlank;
		r.lastNonBlankNo = lastNonBlankNo;
		r.lastNonBlankTo = lastNonBlankTo;
		r.lastNonBlankEnd = firstNonBlank < 0 ? 0 : this.offset + (lastNonBlankTo - pos);
		r.lastNonEmptyNo = lastNonEmptyNo;
		return r;
	}

	/** Treat a trailing partial line as complete (end of a file). */
	flush(): void {
		if (this.partialBytes === 0) return;
		const text = this.partialText();
		const start = this.offset;
		this.offset += this.partialBytes;
		this.partialLen = 0;
		this.partialBytes = 0;
		this.deliver(text, start, null, 0, 0, true);
	}

	private deliver(text: string, start: number, src: string | null, s0: number, s1: number, last: boolean): void {
		const l = this.line;
		l.text = text;
		l.no = this.lineNo++;
		l.start = start;
		l.end = this.offset;
		l.src = src;
		l.s0 = s0;
		l.s1 = s1;
		l.last = last;
		this.onLine(l);
	}

	/** Length of the unterminated line's text (capped), without decoding it. */
	get partialLength(): number {
		return this.partialLen;
	}

	partialText(): string {
		return this.partialLen === 0 ? '' : this.partialBuf.toString('latin1', 0, this.partialLen);
	}

	private addPartial(buf: Buffer, from: number, to: number): void {
		this.partialBytes += to - from;
		const room = MAX_LINE - this.partialLen;
		if (room <= 0 || to <= from) return;
		// Copied: the caller may reuse its buffer.
		this.partialLen += buf.copy(this.partialBuf, this.partialLen, from, Math.min(to, from + room));
	}
}

const CLEAN_RE = /[\0\r\x1b]/;
// CSI and OSC sequences, and lone escapes: userland (installer, ksh, busybox) colours its output.
const ESC_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?/g;

/**
 * The logical lines of one physical line: NULs and escape sequences dropped, a CR before
 * the LF ignored, and a lone CR starting a new segment (a later message overwrote the
 * line on a terminal, or a kernel message was glued after a CR).
 */
export function segments(text: string): string[] {
	if (!CLEAN_RE.test(text)) return [text];
	// The common case on a serial console: just the CR of CRLF.
	const cr = text.indexOf('\r');
	if (cr === text.length - 1 && !text.includes('\0') && !text.includes('\x1b')) return cr === 0 ? [] : [text.slice(0, cr)];
	let t = text;
	if (t.includes('\0')) t = t.replaceAll('\0', '');
	if (t.includes('\x1b')) t = t.replace(ESC_RE, '');
	if (t.endsWith('\r')) t = t.replace(/\r+$/, '');
	if (!t.includes('\r')) return [t];
	return t.split('\r').filter((s) => s.length > 0);
}

const NON_ASCII_RE = /[\x80-\xff]/;

/**
 * A copy that does not keep the chunk it was sliced from alive: lines are slices of a
 * whole decoded chunk, and a kept device name must not pin a megabyte.
 */
export function own(s: string): string {
	return s.length < 13 ? s : (' ' + s).slice(1);
}

/** A latin1-decoded string as a person should see it (UTF-8 when the bytes were UTF-8), owned. */
export function human(s: string): string {
	if (!NON_ASCII_RE.test(s)) return own(s);
	const utf8 = Buffer.from(s, 'latin1').toString('utf8');
	return utf8.includes('\ufffd') ? own(s) : utf8;
}
