// The prefix key and the keys of the TUI's own screens. Guest input is never parsed into
// key objects: in console mode bytes go to the guest untouched, and only the prefix byte
// is looked for (controller.ts).
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

/** The first key in `buf` and how many bytes it took (good enough for menus; never for the guest). */
export function nextKey(buf: Buffer, prefix: number): { key: Key; length: number } {
	const b = buf[0];
	if (b === prefix) return { key: { name: 'prefix' }, length: 1 };
	if (b === 0x1b) {
		const m = /^\x1b(?:\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(buf.subarray(0, 16).toString('latin1'));
		if (m) {
			const name = SEQUENCES[m[0]];
			return { key: name ? ({ name } as Key) : { name: 'other' }, length: m[0].length };
		}
		return { key: { name: 'escape' }, length: 1 };
	}
	if (b === 0x0d || b === 0x0a) return { key: { name: 'enter' }, length: 1 };
	if (b === 0x7f || b === 0x08) return { key: { name: 'backspace' }, length: 1 };
	if (b === 0x09) return { key: { name: 'tab' }, length: 1 };
	if (b === 0x03) return { key: { name: 'ctrl-c' }, length: 1 };
	if (b < 0x20) return { key: { name: 'other' }, length: 1 };
	// One UTF-8 character (an invalid byte counts as one).
	const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	const char = buf.subarray(0, len).toString('utf8');
	if (char.length === 0 || char.includes('\ufffd')) return { key: { name: 'other' }, length: 1 };
	return { key: { name: 'char', char }, length: Math.min(len, buf.length) };
}

/** All keys in a chunk. */
export function parseKeys(chunk: Buffer, prefix: number): Key[] {
	const keys: Key[] = [];
	let rest = chunk;
	while (rest.length) {
		const { key, length } = nextKey(rest, prefix);
		keys.push(key);
		rest = rest.subarray(length);
	}
	return keys;
}
