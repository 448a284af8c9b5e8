// A sliding window of recent console text with escape sequences removed, for
// `obsdtui wait --for REGEX`. `$` in a pattern means "the end of what has been printed
// so far", so `'# $'` matches a shell prompt that is waiting for input.
//
// Bytes are turned into text only when someone looks (a waiter, `net --ifconfig`): a
// console that nobody waits on pays for keeping its last WINDOW raw bytes, not for
// decoding and cleaning every megabyte of a burst.
import { EscapeStripper } from '../term/strip.ts';

const WINDOW = 64 * 1024;

export class TextWindow {
	private text = '';
	/** How many characters have been dropped off the front since the start. */
	private dropped = 0;
	/**
	 * Escape sequences are removed by a terminal's own state machine, fed every byte:
	 * nothing is held back waiting for "the rest of a sequence", so line noise cannot
	 * hide the text that follows it (issue 12).
	 */
	private stripper = new EscapeStripper();
	/** Raw bytes not turned into text yet, oldest first. */
	private raw: Uint8Array[] = [];
	private rawBytes = 0;

	push(bytes: Uint8Array): void {
		// Only the tail of a big chunk (a catch-up read from the log) can matter. The
		// caller may reuse its buffer: keep a copy.
		if (bytes.length > WINDOW) bytes = bytes.subarray(bytes.length - WINDOW);
		this.raw.push(Uint8Array.prototype.slice.call(bytes));
		this.rawBytes += bytes.length;
		if (this.rawBytes - this.raw[0].length < WINDOW) return;
		// Older raw bytes than a window's worth can never be matched: forget them, and the
		// text before them, which no longer joins on to what follows. The stripper starts
		// afresh where the kept bytes start: whatever it was in the middle of went with them.
		this.dropped += this.text.length;
		this.text = '';
		this.stripper = new EscapeStripper();
		while (this.rawBytes - this.raw[0].length >= WINDOW) {
			const old = this.raw.shift()!;
			this.rawBytes -= old.length;
			this.dropped += old.length; // an upper bound of its text: marks stay ordered
		}
	}

	/** Turn the raw bytes into text, chunk by chunk as they came. */
	private settle(): void {
		for (const bytes of this.raw) this.text += this.stripper.push(bytes);
		this.raw = [];
		this.rawBytes = 0;
		if (this.text.length > WINDOW * 2) {
			const cut = this.text.length - WINDOW;
			this.text = this.text.slice(cut);
			this.dropped += cut;
		}
	}

	/** A position to search from later: "only output that arrives after now". */
	mark(): number {
		this.settle();
		return this.dropped + this.text.length;
	}

	/** The text that arrived after `since` (a mark), as far as the window still holds it. */
	since(mark: number): string {
		this.settle();
		return this.text.slice(Math.max(0, mark - this.dropped));
	}

	/** Match `re` against the window, or against what arrived after `since` (a mark). */
	match(re: RegExp, since = 0): RegExpExecArray | null {
		this.settle();
		const from = Math.max(0, since - this.dropped);
		return re.exec(from ? this.text.slice(from) : this.text);
	}
}
