// The text of a run of lines (a boot's dmesg), kept without copying every line: lines are
// slices of a decoded chunk, so a run within one chunk is copied once, when the chunk
// changes or the run ends. Trailing blank lines are only kept if a non-blank line follows.
import type { LineRun, RawLine } from './lines.ts';
import { MAX_LINE, own } from './lines.ts';

export class TextRegion {
	private readonly parts: string[] = [];
	private size = 0;
	private src: string | null = null;
	private from = 0;
	/** End (past the LF) of the last non-blank line of the open piece. */
	private to = 0;
	/** End of the last line seen in the open piece, blank or not. */
	private seen = 0;
	/** Blank lines carried over from a previous piece, kept only if a non-blank line follows. */
	private blanks = '';

	constructor(private readonly max: number) {}

	/** Add a line; false once the region is full. */
	add(l: RawLine, blank: boolean): boolean {
		// A line longer than MAX_LINE is kept as its capped text, like a line pieced across chunks.
		const src = l.s1 - l.s0 > MAX_LINE ? null : l.src;
		const lineLen = src === null ? l.text.length + 1 : l.s1 - l.s0 + 1;
		if (this.size + lineLen > this.max) return false;
		if (src !== null && src === this.src && l.s0 === this.seen) {
			this.seen = l.s1 + 1;
			if (!blank) {
				// Blank lines that started this piece come before it.
				if (this.to === this.from) this.flushBlanks();
				this.size += this.seen - this.to;
				this.to = this.seen;
			}
			return true;
		}
		this.cut();
		if (src === null) {
			const text = l.last ? l.text : l.text + '\n';
			if (blank) this.blanks += text;
			else {
				this.flushBlanks();
				this.parts.push(own(text));
				this.size += text.length;
			}
			return true;
		}
		this.src = src;
		this.from = this.to = l.s0;
		this.seen = l.s1 + 1;
		if (!blank) {
			this.flushBlanks();
			this.to = this.seen;
			this.size += this.to - this.from;
		} else {
			// A piece starts at its first non-blank line; blanks before it wait in `blanks`.
			this.blanks += own(src.slice(l.s0, this.seen));
			this.from = this.to = this.seen;
		}
		return true;
	}

	/** Add whole lines at once (see LineRun); false once the region would be full. */
	addRun(r: LineRun): boolean {
		if (this.size + (r.to - r.from) > this.max) return false;
		if (r.src === this.src && r.from === this.seen) {
			this.seen = r.to;
			if (r.firstNonBlank >= 0) {
				if (this.to === this.from) this.flushBlanks();
				this.size += r.lastNonBlankTo - this.to;
				this.to = r.lastNonBlankTo;
			}
			return true;
		}
		this.cut();
		if (r.firstNonBlank < 0) {
			this.blanks += own(r.src.slice(r.from, r.to));
			return true;
		}
		if (r.firstNonBlank > r.from) this.blanks += own(r.src.slice(r.from, r.firstNonBlank));
		this.flushBlanks();
		this.src = r.src;
		this.from = r.firstNonBlank;
		this.to = r.lastNonBlankTo;
		this.seen = r.to;
		this.size += this.to - this.from;
		return true;
	}

	/** Everything kept so far, as decoded (latin1, line ends as logged). */
	raw(): string {
		return this.parts.join('') + (this.src !== null ? this.src.slice(this.from, this.to) : '');
	}

	/** Everything kept so far, CRLF as LF, UTF-8 when the bytes were UTF-8. */
	text(): string {
		let t = this.raw();
		if (t.includes('\r')) t = t.replace(/\r+\n/g, '\n');
		if (/[\x80-\xff]/.test(t)) {
			const u = Buffer.from(t, 'latin1').toString('utf8');
			if (!u.includes('\ufffd')) t = u;
		}
		return t;
	}

	/** Drop the text (keep nothing more). */
	clear(): void {
		this.parts.length = 0;
		this.src = null;
		this.blanks = '';
	}

	private flushBlanks(): void {
		if (this.blanks) {
			this.parts.push(this.blanks);
			this.size += this.blanks.length;
			this.blanks = '';
		}
	}

	/** Copy the open piece out of its chunk; blank lines after its last non-blank line wait. */
	private cut(): void {
		if (this.src === null) return;
		if (this.to > this.from) this.parts.push(own(this.src.slice(this.from, this.to)));
		if (this.seen > this.to) this.blanks += own(this.src.slice(this.to, this.seen));
		this.src = null;
	}
}
