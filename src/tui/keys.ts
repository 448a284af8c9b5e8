// The prefix key and the bytes the TUI reads from its own raw stdin. Guest input is never
// parsed into key objects: in console mode bytes go to the guest untouched, and only the
// prefix byte is looked for.
import { UserError } from '../common/errors.ts';

export const DEFAULT_PREFIX = 'C-]';

/**
 * Parse a prefix such as `C-]`, `^]`, `C-a` or a single character. `~` is refused: it is
 * ssh's escape at the start of a line, and a console is usually reached over ssh.
 */
export function parsePrefix(spec: string): number {
	const s = spec.trim();
	let m = /^(?:C-|\^|ctrl-)(.)$/i.exec(s);
	if (m) {
		const c = m[1] === '?' ? 0x7f : m[1].toUpperCase().charCodeAt(0);
		if (c === 0x7f) return c;
		if (c < 0x40 || c > 0x5f) throw new UserError(`prefix ${spec}: no control character for ${m[1]}`);
		return c & 0x1f;
	}
	if (s.length === 1) {
		if (s === '~') throw new UserError("prefix ~ is ssh's escape character; choose another (default C-])");
		return s.charCodeAt(0);
	}
	m = /^0x([0-9a-f]{1,2})$/i.exec(s);
	if (m) return parseInt(m[1], 16);
	throw new UserError(`prefix ${spec}: use the form C-x, ^x or a single character`);
}

export function prefixLabel(byte: number): string {
	if (byte === 0x7f) return 'C-?';
	if (byte < 0x20) return `C-${String.fromCharCode(byte + 0x40).toLowerCase()}`.replace('C-[', 'Esc');
	return String.fromCharCode(byte);
}

/** The keys the TUI's own screens (list, scrollback, prompts) understand. */
export type Key =
	| { name: 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end' | 'enter' | 'escape' | 'backspace' | 'tab' | 'ctrl-c' }
	| { name: 'char'; char: string }
	| { name: 'prefix' }
	| { name: 'other' };

const SEQUENCES: Record<string, Key['name']> = {
	'\x1b[A': 'up', '\x1bOA': 'up', '\x1b[B': 'down', '\x1bOB': 'down',
	'\x1b[C': 'right', '\x1bOC': 'right', '\x1b[D': 'left', '\x1bOD': 'left',
	'\x1b[5~': 'pageup', '\x1b[6~': 'pagedown', '\x1b[H': 'home', '\x1bOH': 'home', '\x1b[1~': 'home',
	'\x1b[F': 'end', '\x1bOF': 'end', '\x1b[4~': 'end',
};

/** Split a chunk of terminal input into keys (good enough for menus; never for the guest). */
export function parseKeys(chunk: Buffer, prefix: number): Key[] {
	const s = chunk.toString('utf8');
	const keys: Key[] = [];
	let i = 0;
	while (i < s.length) {
		const c = s[i];
		const code = s.charCodeAt(i);
		if (code === prefix) {
			keys.push({ name: 'prefix' });
			i++;
		} else if (c === '\x1b') {
			const m = /^\x1b(?:\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(s.slice(i));
			if (m) {
				const name = SEQUENCES[m[0]];
				keys.push(name ? ({ name } as Key) : { name: 'other' });
				i += m[0].length;
			} else {
				keys.push({ name: 'escape' });
				i++;
			}
		} else if (c === '\r' || c === '\n') {
			keys.push({ name: 'enter' });
			i++;
		} else if (code === 0x7f || code === 0x08) {
			keys.push({ name: 'backspace' });
			i++;
		} else if (c === '\t') {
			keys.push({ name: 'tab' });
			i++;
		} else if (code === 0x03) {
			keys.push({ name: 'ctrl-c' });
			i++;
		} else if (code < 0x20) {
			keys.push({ name: 'other' });
			i++;
		} else {
			const ch = String.fromCodePoint(s.codePointAt(i)!);
			keys.push({ name: 'char', char: ch });
			i += ch.length;
		}
	}
	return keys;
}

/**
 * Splits console-mode input at the prefix: bytes before it go to the guest, the byte after
 * it is a command. The prefix may end one read and its command start the next.
 */
export class PrefixSplitter {
	private pending = false;
	constructor(readonly prefix: number) {}

	split(chunk: Buffer): ({ guest: Buffer } | { command: number })[] {
		const out: ({ guest: Buffer } | { command: number })[] = [];
		let start = 0;
		for (let i = 0; i < chunk.length; i++) {
			if (this.pending) {
				this.pending = false;
				out.push({ command: chunk[i] });
				start = i + 1;
			} else if (chunk[i] === this.prefix) {
				if (i > start) out.push({ guest: chunk.subarray(start, i) });
				this.pending = true;
				start = i + 1;
			}
		}
		if (start < chunk.length && !this.pending) out.push({ guest: chunk.subarray(start) });
		return out;
	}

	get waiting(): boolean {
		return this.pending;
	}

	cancel(): void {
		this.pending = false;
	}
}
