// Terminal bytes -> X11 keysyms, for typing on the glass over RFB. A viewer's terminal
// sends bytes (what a serial line would carry); a framebuffer console takes key presses.
// Pure: the daemon sends the strokes with RfbClient.keyEvent.

export const XK = {
	BackSpace: 0xff08,
	Tab: 0xff09,
	Return: 0xff0d,
	Escape: 0xff1b,
	Home: 0xff50,
	Left: 0xff51,
	Up: 0xff52,
	Right: 0xff53,
	Down: 0xff54,
	PageUp: 0xff55,
	PageDown: 0xff56,
	End: 0xff57,
	Insert: 0xff63,
	Delete: 0xffff,
	Shift_L: 0xffe1,
	Control_L: 0xffe3,
	Alt_L: 0xffe9,
} as const;

/** One key press: the key, with Control and/or Alt held around it. */
export interface KeyStroke {
	keysym: number;
	ctrl?: boolean;
	alt?: boolean;
	shift?: boolean;
}

/**
 * Characters a US keyboard types with Shift. A VNC server turns keysyms into key codes
 * (QEMU's default keymap, like OpenBSD's wscons, is US): without Shift held, '$' would
 * arrive as '4'.
 */
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

function printable(code: number): KeyStroke {
	const ch = String.fromCodePoint(code);
	return SHIFTED.has(ch) ? { keysym: code, shift: true } : { keysym: charKeysym(code) };
}

/** wscons enters ddb on Ctrl+Alt+Esc when ddb.console=1: the glass console's BREAK. */
export const GLASS_BREAK: KeyStroke = { keysym: XK.Escape, ctrl: true, alt: true };

// CSI / SS3 sequences a terminal sends for the keys a console user needs.
const SEQUENCES: [string, number][] = [
	['\x1b[A', XK.Up],
	['\x1b[B', XK.Down],
	['\x1b[C', XK.Right],
	['\x1b[D', XK.Left],
	['\x1bOA', XK.Up],
	['\x1bOB', XK.Down],
	['\x1bOC', XK.Right],
	['\x1bOD', XK.Left],
	['\x1b[H', XK.Home],
	['\x1b[F', XK.End],
	['\x1b[1~', XK.Home],
	['\x1b[2~', XK.Insert],
	['\x1b[3~', XK.Delete],
	['\x1b[4~', XK.End],
	['\x1b[5~', XK.PageUp],
	['\x1b[6~', XK.PageDown],
];

/** A Unicode code point's keysym (X11: Latin-1 as itself, the rest at 0x01000000 + code). */
export function charKeysym(code: number): number {
	return code < 0x100 ? code : 0x01000000 + code;
}

/**
 * Terminal input as key strokes. CR and LF are Return, DEL and BS are BackSpace, other
 * control characters are Ctrl+letter, ESC followed by a known sequence is that key and
 * ESC followed by a character is Alt+character (what terminals send for Meta).
 */
export function bytesToStrokes(input: Buffer | string): KeyStroke[] {
	const text = typeof input === 'string' ? input : input.toString('utf8');
	const out: KeyStroke[] = [];
	for (let i = 0; i < text.length; ) {
		const c = text.codePointAt(i)!;
		const width = c > 0xffff ? 2 : 1;
		if (c === 0x1b) {
			const seq = SEQUENCES.find(([s]) => text.startsWith(s, i));
			if (seq) {
				out.push({ keysym: seq[1] });
				i += seq[0].length;
				continue;
			}
			const next = text.codePointAt(i + 1);
			if (next !== undefined && next >= 0x20 && next !== 0x7f && next !== 0x5b) {
				out.push({ ...printable(next), alt: true });
				i += next > 0xffff ? 3 : 2;
				continue;
			}
			out.push({ keysym: XK.Escape });
			i++;
			continue;
		}
		if (c === 0x0d || c === 0x0a) out.push({ keysym: XK.Return });
		else if (c === 0x7f || c === 0x08) out.push({ keysym: XK.BackSpace });
		else if (c === 0x09) out.push({ keysym: XK.Tab });
		// ^A..^Z on the letter keys; ^@ is Ctrl+Space, ^[ ^\\ ^] ^^ ^_ on the keys that make them.
		else if (c === 0) out.push({ keysym: 0x20, ctrl: true });
		else if (c <= 0x1a) out.push({ keysym: c + 0x60, ctrl: true });
		else if (c < 0x20) out.push({ ...printable(c + 0x40), ctrl: true });
		else out.push(printable(c));
		// CR LF from a script is one Enter, not two.
		i += c === 0x0d && text[i + 1] === '\n' ? 2 : width;
	}
	return out;
}

/** The key events (keysym, down) that type `strokes`: modifiers down, key, key up, modifiers up. */
export function strokeEvents(strokes: readonly KeyStroke[]): [number, boolean][] {
	const ev: [number, boolean][] = [];
	for (const s of strokes) {
		if (s.ctrl) ev.push([XK.Control_L, true]);
		if (s.alt) ev.push([XK.Alt_L, true]);
		if (s.shift) ev.push([XK.Shift_L, true]);
		ev.push([s.keysym, true], [s.keysym, false]);
		if (s.shift) ev.push([XK.Shift_L, false]);
		if (s.alt) ev.push([XK.Alt_L, false]);
		if (s.ctrl) ev.push([XK.Control_L, false]);
	}
	return ev;
}
