// Guest console output is hostile input: a guest can query the viewer's terminal (and make
// it type the answer into the console), set its title or clipboard, or switch it into
// modes that outlive the session. The Sanitizer passes what a serial console legitimately
// draws and drops everything else. It is a streaming VT parser (sequences split across
// chunks are fine) that holds at most one short CSI sequence and one partial UTF-8
// character between chunks, so a runaway sequence cannot eat memory.

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
const REPLACEMENT = [0xef, 0xbf, 0xbd];

// A CSI longer than this is not something a console draws; it is dropped whole.
const MAX_CSI = 128;

// C0 controls a console may use. NUL, ENQ (answerback!), DEL and the rest are dropped.
const ALLOWED_C0 = new Set([0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);

// CSI finals that only move the cursor, erase, edit or colour the screen (no parameters
// prefix, no intermediates). Mode, report and window sequences are handled separately.
const DRAWING_FINALS = new Set('ABCDEFGHIJKLMPSTXZ@abdefgmr`'.split('').map((c) => c.charCodeAt(0)));

// Modes a console may toggle that cannot outlive it in a harmful way:
// ANSI 4 insert mode; DEC 6 origin, 7 autowrap, 12 cursor blink, 25 cursor visible.
const ANSI_MODES = new Set(['4']);
const DEC_MODES = new Set(['6', '7', '12', '25']);

/** What a viewer's terminal should get after a sanitized stream, to undo the state it allows. */
export const RESTORE_TERMINAL = '\x1b[0m\x1b(B\x1b)B\x0f\x1b[r\x1b[4l\x1b[?6l\x1b[?7h\x1b[?25h';

const enum State {
	Ground,
	Escape,
	EscapeCharset, // ESC ( ) * + -: one designator byte follows
	EscapeIgnore, // ESC with intermediates we drop: swallow through the final byte
	Csi,
	CsiIgnore, // overlong or malformed CSI: swallow through the final byte
	String, // OSC, DCS, SOS, PM, APC: dropped up to ST (or BEL for OSC)
}

export class Sanitizer {
	private state = State.Ground;
	private seq: number[] = []; // the CSI being collected, without ESC [
	private stringIsOsc = false;
	private stringSawC2 = false; // a UTF-8 encoded C1 ST (C2 9C) also ends a string
	private csiDropped = false; // an 8-bit CSI: parse it, never emit it
	private utf8: number[] = [];
	private utf8Need = 0;
	private out: Buffer = Buffer.alloc(0);
	private n = 0;

	filter(chunk: Buffer): Buffer {
		this.out = Buffer.allocUnsafe(chunk.length * 3 + MAX_CSI + 16);
		this.n = 0;
		for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]);
		return this.out.subarray(0, this.n);
	}

	/** End of stream: an unfinished UTF-8 character becomes U+FFFD, an unfinished sequence is dropped. */
	end(): Buffer {
		this.out = Buffer.allocUnsafe(16);
		this.n = 0;
		if (this.utf8.length) this.emitAll(REPLACEMENT);
		this.utf8 = [];
		this.utf8Need = 0;
		this.state = State.Ground;
		this.seq = [];
		return this.out.subarray(0, this.n);
	}

	private emit(b: number): void {
		this.out[this.n++] = b;
	}

	private emitAll(bytes: ArrayLike<number>): void {
		for (let i = 0; i < bytes.length; i++) this.out[this.n++] = bytes[i];
	}

	private byte(b: number): void {
		if (this.utf8Need) {
			if (this.continues(b)) {
				this.utf8.push(b);
				if (this.utf8.length === this.utf8Need) this.codepoint();
				return;
			}
			// Invalid continuation: replace what we had, then look at this byte afresh.
			this.emitAll(REPLACEMENT);
			this.utf8 = [];
			this.utf8Need = 0;
		}
		switch (this.state) {
			case State.Ground:
				return this.ground(b);
			case State.Escape:
				return this.escape(b);
			case State.EscapeCharset:
				return this.charset(b);
			case State.EscapeIgnore:
				if (b >= 0x30 && b <= 0x7e) this.state = State.Ground;
				else this.inSequenceControl(b);
				return;
			case State.Csi:
			case State.CsiIgnore:
				return this.csi(b);
			case State.String:
				return this.string(b);
		}
	}

	private ground(b: number): void {
		if (b === ESC) {
			this.state = State.Escape;
		} else if (b < 0x20) {
			if (ALLOWED_C0.has(b)) this.emit(b);
		} else if (b < 0x7f) {
			this.emit(b);
		} else if (b === 0x7f) {
			// DEL draws nothing.
		} else {
			this.utf8Start(b);
		}
	}

	// Inside an escape sequence a VT parser still executes C0 controls, and ESC restarts.
	private inSequenceControl(b: number): void {
		if (b === ESC) {
			this.seq = [];
			this.state = State.Escape;
		} else if (b === CAN || b === SUB) {
			this.seq = [];
			this.state = State.Ground;
		} else if (b < 0x20) {
			if (ALLOWED_C0.has(b)) this.emit(b);
		} else if (b >= 0x80) {
			// Not part of any sequence: abandon it and treat the byte as text.
			this.seq = [];
			this.state = State.Ground;
			this.ground(b);
		}
		// DEL and stray printables are ignored, as a VT parser does.
	}

	private escape(b: number): void {
		if (b < 0x20 || b >= 0x7f) return this.inSequenceControl(b);
		this.state = State.Ground;
		switch (b) {
			case 0x5b: // [
				this.seq = [];
				this.csiDropped = false;
				this.state = State.Csi;
				return;
			case 0x5d: // ] OSC
				return this.startString(true);
			case 0x50: // P DCS
			case 0x58: // X SOS
			case 0x5e: // ^ PM
			case 0x5f: // _ APC
				return this.startString(false);
			case 0x37: // 7 DECSC
			case 0x38: // 8 DECRC
			case 0x44: // D IND
			case 0x45: // E NEL
			case 0x48: // H HTS
			case 0x4d: // M RI
				this.emit(ESC);
				this.emit(b);
				return;
			case 0x28: // ( G0..G3 designation
			case 0x29:
			case 0x2a:
			case 0x2b:
				this.seq = [b];
				this.state = State.EscapeCharset;
				return;
			default:
				// ESC c (full reset), ESC = / ESC > (keypad mode), ESC # n, ESC % x, ESC N/O,
				// ESC \ and anything unknown: dropped. Intermediates mean more bytes follow.
				if (b >= 0x20 && b <= 0x2f) this.state = State.EscapeIgnore;
				return;
		}
	}

	private charset(b: number): void {
		if (b < 0x20 || b >= 0x7f) return this.inSequenceControl(b);
		this.state = State.Ground;
		// ASCII, UK and DEC line drawing are what consoles use; the rest are exotic.
		if (b === 0x42 || b === 0x41 || b === 0x30) {
			this.emit(ESC);
			this.emit(this.seq[0]);
			this.emit(b);
		} else if (b >= 0x20 && b <= 0x2f) {
			this.state = State.EscapeIgnore;
		}
		this.seq = [];
	}

	private startString(osc: boolean): void {
		this.state = State.String;
		this.stringIsOsc = osc;
		this.stringSawC2 = false;
	}

	private string(b: number): void {
		// Nothing of a string is kept: its length costs no memory.
		if (b === ESC) {
			// ESC \ is ST; any other ESC also ends the string and starts a new sequence.
			this.state = State.Escape;
		} else if (b === CAN || b === SUB || (b === BEL && this.stringIsOsc)) {
			this.state = State.Ground;
		} else if (this.stringSawC2 && b === 0x9c) {
			this.state = State.Ground;
		}
		this.stringSawC2 = b === 0xc2;
	}

	private csi(b: number): void {
		if (b >= 0x40 && b <= 0x7e) {
			const keep = this.state === State.Csi && !this.csiDropped;
			this.state = State.Ground;
			const seq = this.seq;
			this.seq = [];
			if (keep) this.finishCsi(seq, b);
			return;
		}
		if (b >= 0x20 && b <= 0x3f) {
			if (this.state === State.Csi) {
				this.seq.push(b);
				if (this.seq.length > MAX_CSI) {
					this.seq = [];
					this.state = State.CsiIgnore;
				}
			}
			return;
		}
		this.inSequenceControl(b);
	}

	private finishCsi(seq: number[], final: number): void {
		const text = String.fromCharCode(...seq);
		// Parameters, then intermediates: anything else is malformed.
		const m = /^([<=>?]?)([0-9;:]*)([ -/]*)$/.exec(text);
		if (!m) return;
		const [, prefix, params, inter] = m;
		if (inter) return; // DECSTR, DECRQM, DECSCUSR, ...: nothing a console needs
		const f = String.fromCharCode(final);
		if (f === 'h' || f === 'l') {
			const allowed = prefix === '?' ? DEC_MODES : prefix === '' ? ANSI_MODES : null;
			if (!allowed) return;
			const kept = params.split(';').filter((p) => allowed.has(p));
			if (kept.length) this.emitCsi(prefix + kept.join(';') + f);
			return;
		}
		if (prefix) return; // private variants: DA2/DA3, modifyOtherKeys, kitty keys, DECSED...
		if (f === 's' || f === 'u') {
			// Only the plain save/restore cursor; with parameters these set margins or key modes.
			if (params === '') this.emitCsi(f);
			return;
		}
		if (f === 'J' && params.split(';').some((p) => p !== '' && p !== '0' && p !== '1' && p !== '2')) {
			return; // ESC[3J wipes the viewer's own scrollback
		}
		if (f === 'T' && params.includes(';')) return; // with several parameters: mouse hilite tracking
		if (DRAWING_FINALS.has(final)) this.emitCsi(params + f);
		// Everything else (c DA, n DSR, t window ops, q, p, x ...) is a query or a mode: dropped.
	}

	private emitCsi(body: string): void {
		this.emit(ESC);
		this.emit(0x5b);
		for (let i = 0; i < body.length; i++) this.emit(body.charCodeAt(i));
	}

	private utf8Start(b: number): void {
		let need = 0;
		if (b >= 0xc2 && b <= 0xdf) need = 2;
		else if (b >= 0xe0 && b <= 0xef) need = 3;
		else if (b >= 0xf0 && b <= 0xf4) need = 4;
		if (!need) {
			this.emitAll(REPLACEMENT);
			return;
		}
		this.utf8 = [b];
		this.utf8Need = need;
	}

	// The second byte's range depends on the lead byte (no overlongs, no surrogates, <= U+10FFFF).
	private continues(b: number): boolean {
		if (b < 0x80 || b > 0xbf) return false;
		if (this.utf8.length > 1) return true;
		const lead = this.utf8[0];
		if (lead === 0xe0) return b >= 0xa0;
		if (lead === 0xed) return b <= 0x9f;
		if (lead === 0xf0) return b >= 0x90;
		if (lead === 0xf4) return b <= 0x8f;
		return true;
	}

	private codepoint(): void {
		const bytes = this.utf8;
		this.utf8 = [];
		this.utf8Need = 0;
		if (bytes.length === 2 && bytes[0] === 0xc2 && bytes[1] < 0xa0) {
			this.c1(bytes[1]);
			return;
		}
		// Inside a sequence, a printable character is not part of it: it ends it as text.
		if (this.state !== State.Ground) {
			this.seq = [];
			this.state = State.Ground;
		}
		this.emitAll(bytes);
	}

	// UTF-8 encoded C1 controls: terminals that honour them would see CSI, OSC, DCS...
	// No console needs them, so they are parsed (to drop their payload) and never emitted.
	private c1(c: number): void {
		this.seq = [];
		switch (c) {
			case 0x9b:
				this.state = State.Csi;
				this.csiDropped = true;
				return;
			case 0x9d:
				return this.startString(true);
			case 0x90:
			case 0x98:
			case 0x9e:
			case 0x9f:
				return this.startString(false);
			default:
				this.state = State.Ground;
		}
	}
}
