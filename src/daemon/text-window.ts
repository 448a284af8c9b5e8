// A sliding window of recent console text with escape sequences removed, for
// `obsdtui wait --for REGEX`. `$` in a pattern means "the end of what has been printed
// so far", so `'# $'` matches a shell prompt that is waiting for input.
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

	push(bytes: Uint8Array): void {
		this.text += this.stripper.push(bytes);
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
