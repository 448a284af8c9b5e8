// How many colours the viewer's terminal can show. The console pane draws guest cells with
// the richest SGR the terminal understands and degrades the rest, so a truecolor guest
// still reads on a 16-colour SSH session and NO_COLOR gets attributes only.

export type ColorDepth = 'truecolor' | '256' | '16' | 'mono';

export function detectColorDepth(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): ColorDepth {
	// https://no-color.org: present and not empty.
	if (env.NO_COLOR) return 'mono';
	const force = env.FORCE_COLOR;
	if (force === '0' || force === 'false') return 'mono';
	if (force === '3') return 'truecolor';
	if (force === '2') return '256';
	if (force === '1' || force === 'true' || force === '') return '16';
	if (!isTTY) return 'mono';
	const term = env.TERM ?? '';
	if (term === 'dumb') return 'mono';
	const colorterm = (env.COLORTERM ?? '').toLowerCase();
	if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor';
	if (/-direct$|^xterm-kitty$|^wezterm|^alacritty|^foot/.test(term)) return 'truecolor';
	if (/256/.test(term)) return '256';
	if (/^(xterm|screen|tmux|vt100|vt220|rxvt|linux|ansi|cygwin|putty|konsole|st)/.test(term) || colorterm) return '16';
	return 'mono';
}

// The xterm 256-colour palette as RGB, for mapping down to 16 colours.
function paletteRgb(i: number): [number, number, number] {
	if (i < 16) return ANSI16[i];
	if (i < 232) {
		const n = i - 16;
		const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
		return [level(Math.floor(n / 36)), level(Math.floor(n / 6) % 6), level(n % 6)];
	}
	const g = 8 + (i - 232) * 10;
	return [g, g, g];
}

const ANSI16: [number, number, number][] = [
	[0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
	[127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
];

function nearest(rgb: [number, number, number], candidates: number): number {
	let best = 0;
	let bestDist = Infinity;
	for (let i = 0; i < candidates; i++) {
		const c = paletteRgb(i);
		const d = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
		if (d < bestDist) {
			bestDist = d;
			best = i;
		}
	}
	return best;
}

const rgbCache256 = new Map<number, number>();

/** A guest colour, as xterm stores it: default, palette index, or 24-bit RGB. */
export type Color = { kind: 'default' } | { kind: 'palette'; index: number } | { kind: 'rgb'; value: number };

/** SGR parameters for a foreground (`fg` true) or background colour at the given depth; '' for default. */
export function colorSgr(color: Color, fg: boolean, depth: ColorDepth): string {
	if (color.kind === 'default' || depth === 'mono') return '';
	if (color.kind === 'rgb') {
		const r = (color.value >> 16) & 0xff;
		const g = (color.value >> 8) & 0xff;
		const b = color.value & 0xff;
		if (depth === 'truecolor') return `${fg ? 38 : 48};2;${r};${g};${b}`;
		if (depth === '256') {
			let idx = rgbCache256.get(color.value);
			if (idx === undefined) {
				idx = nearest([r, g, b], 256);
				rgbCache256.set(color.value, idx);
			}
			return `${fg ? 38 : 48};5;${idx}`;
		}
		return basic(nearest([r, g, b], 16), fg);
	}
	const index = color.index;
	if (index < 16) return basic(index, fg);
	if (depth === '16') return basic(nearest(paletteRgb(index), 16), fg);
	return `${fg ? 38 : 48};5;${index}`;
}

function basic(index: number, fg: boolean): string {
	const base = index < 8 ? (fg ? 30 : 40) : fg ? 90 : 100;
	return String(base + (index % 8));
}
