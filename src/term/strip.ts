// Removes escape sequences from console output the way a terminal would, keeping the
// text it would print. It is the state machine of DEC's VT500 parser (Paul Williams,
// https://vt100.net/emu/dec_ansi_parser) with the transitions of @xterm/headless
// (src/common/parser/EscapeSequenceParser.ts), so `wait --for` sees the same text as the
// daemon's screen does.
//
// Why a state machine and not a regular expression: console bytes are hostile and often
// plain noise (a wrong speed, a board resetting). A regex that holds back "an escape
// sequence not finished yet" until more bytes come keeps holding back real text after an
// ESC followed by garbage, which a terminal simply drops. Here every code point moves
// the state at once; the only state carried from one chunk to the next is the parser's
// own (and a UTF-8 sequence cut by the chunk boundary), exactly as in a terminal: an ESC
// followed by a byte that cannot continue a sequence returns to text at once, and a
// string (OSC, DCS, SOS/PM/APC) ends at BEL, ESC, CAN, SUB or ST, as it does there.
import { StringDecoder } from 'node:string_decoder';

const enum S {
	Ground,
	Escape,
	EscapeIntermediate,
	CsiEntry,
	CsiParam,
	CsiIntermediate,
	CsiIgnore,
	SosPmApc,
	Osc,
	DcsEntry,
	DcsParam,
	DcsIntermediate,
	DcsIgnore,
	DcsPassthrough,
}

/** C0 controls a terminal executes (acts on) in most states: all but CAN, SUB and ESC. */
function isExecutable(c: number): boolean {
	return c <= 0x17 || c === 0x19 || (c >= 0x1c && c <= 0x1f);
}

export class EscapeStripper {
	private state = S.Ground;
	private decoder = new StringDecoder('utf8');
	/** The last character out was a CR standing for a newline: a following LF is the same one. */
	private afterCR = false;

	/** The printable text of `bytes`, with CR, LF and CR LF as '\n' and NULs dropped. */
	push(bytes: Uint8Array): string {
		return this.strip(this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)));
	}

	/** Which state the parser is in (for tests: noise must not leave it stuck). */
	get inGround(): boolean {
		return this.state === S.Ground;
	}

	private strip(s: string): string {
		let out = '';
		let run = -1; // start of a run of printable characters in GROUND
		for (let i = 0; i < s.length; i++) {
			const c = s.charCodeAt(i);
			if (this.state === S.Ground && ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c !== 0xfffd))) {
				if (run < 0) run = i;
				continue;
			}
			if (run >= 0) {
				out += s.slice(run, i);
				run = -1;
				this.afterCR = false;
			}
			// A byte that is not UTF-8 (decoded as U+FFFD) is nothing at all: xterm's decoder
			// skips it without touching the parser's state.
			if (c !== 0xfffd) out += this.step(c);
		}
		if (run >= 0) {
			out += s.slice(run);
			this.afterCR = false;
		}
		return out;
	}

	/** One code point outside a run of text: returns what it adds to the text. */
	private step(c: number): string {
		// Transitions from anywhere.
		if (c === 0x1b) return this.to(S.Escape);
		if (c === 0x18 || c === 0x1a || c === 0x9c || (c >= 0x80 && c <= 0x9a && c !== 0x90 && c !== 0x98)) {
			this.state = S.Ground;
			return c === 0x85 ? this.newline() : ''; // NEL
		}
		if (c === 0x9d) return this.to(S.Osc);
		if (c === 0x98 || c === 0x9e || c === 0x9f) return this.to(S.SosPmApc);
		if (c === 0x9b) return this.to(S.CsiEntry);
		if (c === 0x90) return this.to(S.DcsEntry);
		const wide = c >= 0xa0;
		switch (this.state) {
			case S.Ground:
				// Printables never get here; DEL is nothing.
				return isExecutable(c) ? this.execute(c) : '';
			case S.Escape:
				if (isExecutable(c)) return this.execute(c);
				if (c === 0x7f) return '';
				if (c >= 0x20 && c <= 0x2f) return this.to(S.EscapeIntermediate);
				if (c === 0x5b) return this.to(S.CsiEntry);
				if (c === 0x5d) return this.to(S.Osc);
				if (c === 0x50) return this.to(S.DcsEntry);
				if (c === 0x58 || c === 0x5e || c === 0x5f) return this.to(S.SosPmApc);
				return this.to(S.Ground); // a complete two-byte escape, or not one at all
			case S.EscapeIntermediate:
				if (isExecutable(c)) return this.execute(c);
				if (c === 0x7f || (c >= 0x20 && c <= 0x2f)) return '';
				return this.to(S.Ground);
			case S.CsiEntry:
			case S.CsiParam:
			case S.CsiIntermediate:
				if (isExecutable(c)) return this.execute(c);
				if (c === 0x7f) return '';
				if (c >= 0x40 && c <= 0x7e) return this.to(S.Ground);
				if (c >= 0x20 && c <= 0x2f) return this.to(S.CsiIntermediate);
				if (c >= 0x30 && c <= 0x3f) {
					if (this.state === S.CsiIntermediate) return this.to(S.CsiIgnore);
					if (this.state === S.CsiParam && c >= 0x3c) return this.to(S.CsiIgnore);
					return this.to(S.CsiParam);
				}
				return this.to(S.Ground);
			case S.CsiIgnore:
				if (isExecutable(c)) return this.execute(c);
				if (c >= 0x40 && c <= 0x7e) return this.to(S.Ground);
				return '';
			case S.Osc:
				if (c === 0x07) return this.to(S.Ground);
				return ''; // text of the string, or a control it ignores
			case S.SosPmApc:
				return wide ? this.to(S.Ground) : '';
			case S.DcsEntry:
			case S.DcsParam:
			case S.DcsIntermediate:
				if (isExecutable(c) || c === 0x7f) return '';
				if (c >= 0x40 && c <= 0x7e) return this.to(S.DcsPassthrough);
				if (c >= 0x20 && c <= 0x2f) return this.to(S.DcsIntermediate);
				if (c >= 0x30 && c <= 0x3f) {
					if (this.state === S.DcsIntermediate || (this.state === S.DcsParam && c >= 0x3c)) return this.to(S.DcsIgnore);
					return this.to(S.DcsParam);
				}
				return this.to(S.Ground);
			case S.DcsIgnore:
			case S.DcsPassthrough:
				return ''; // until ESC, ST, CAN or SUB
		}
	}

	private to(state: S): string {
		this.state = state;
		return '';
	}

	private newline(): string {
		this.afterCR = false;
		return '\n';
	}

	/** A C0 control the terminal acts on: line ends become '\n'; NUL is nothing; the rest stay. */
	private execute(c: number): string {
		if (c === 0x0d) {
			this.afterCR = true;
			return '\n';
		}
		if (c === 0x0a) {
			if (this.afterCR) {
				this.afterCR = false;
				return '';
			}
			return '\n';
		}
		if (c === 0) return '';
		this.afterCR = false;
		return String.fromCharCode(c);
	}
}
