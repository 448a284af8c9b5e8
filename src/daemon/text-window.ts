// A sliding window of recent console text with escape sequences removed, for
// `obsdtui wait --for REGEX`. `$` in a pattern means "the end of what has been printed
// so far", so `'# $'` matches a shell prompt that is waiting for input.
//
// Bytes are turned into text only when someone looks (a waiter, `net --ifconfig`): a
// console that nobody waits on pays for keeping its last WINDOW raw bytes, not for
// decoding and cleaning every megabyte of a burst.
const WINDOW = 64 * 1024;
// CSI, OSC (BEL or ST terminated), other two-byte escapes; good enough for matching text.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
const COMPLETE = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/;
/** An escape sequence longer than this is not one; stop holding it back. */
const MAX_HELD = 256;

export class TextWindow {
	private text = '';
	/** How many characters have been dropped off the front since the start. */
	private dropped = 0;
	/** An escape sequence cut by a chunk boundary, completed by the next chunk. */
	private held = '';
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
		// text before them, which no longer joins on to what follows.
		this.dropped += this.text.length;
		this.text = '';
		this.held = '';
		while (this.rawBytes - this.raw[0].length >= WINDOW) {
			const old = this.raw.shift()!;
			this.rawBytes -= old.length;
			this.dropped += old.length; // an upper bound of its text: marks stay ordered
		}
	}

	/** Turn the raw bytes into text, chunk by chunk as they came (escapes cut at a boundary). */
	private settle(): void {
		for (const bytes of this.raw) this.append(bytes);
		this.raw = [];
		this.rawBytes = 0;
	}

	private append(bytes: Uint8Array): void {
		let chunk = this.held + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
		this.held = '';
		const esc = chunk.lastIndexOf('\x1b');
		if (esc >= 0 && chunk.length - esc < MAX_HELD && !COMPLETE.test(chunk.slice(esc))) {
			this.held = chunk.slice(esc);
			chunk = chunk.slice(0, esc);
		} else if (chunk.endsWith('\r')) {
			// CR LF split across chunks is still one newline.
			this.held = '\r';
			chunk = chunk.slice(0, -1);
		}
		this.text += chunk.replace(ESCAPES, '').replace(/\r\n?/g, '\n').replace(/\0/g, '');
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
