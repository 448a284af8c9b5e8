// A sliding window of recent console text with escape sequences removed, for
// `obsdtui wait --for REGEX`. `$` in a pattern means "the end of what has been printed
// so far", so `'# $'` matches a shell prompt that is waiting for input.
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

	push(bytes: Uint8Array): void {
		// Only the tail of a big chunk (a catch-up read from the log) can matter.
		if (bytes.length > WINDOW) bytes = bytes.subarray(bytes.length - WINDOW);
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
		return this.dropped + this.text.length;
	}

	/** The text that arrived after `since` (a mark), as far as the window still holds it. */
	since(mark: number): string {
		return this.text.slice(Math.max(0, mark - this.dropped));
	}

	/** Match `re` against the window, or against what arrived after `since` (a mark). */
	match(re: RegExp, since = 0): RegExpExecArray | null {
		const from = Math.max(0, since - this.dropped);
		return re.exec(from ? this.text.slice(from) : this.text);
	}
}
