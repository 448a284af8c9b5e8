// What a scan must look at line by line. Everything else is counted in bulk by the line
// splitter, which is what makes scanning fast: most of a log is lines that change nothing.
// Each pattern is a superset of what the per-line code reacts to in the state it is used
// in: stage prefixes (stages.ts), crash headers (crash.ts), banner lines, device lines
// (devices.ts). Line starts are checked with a first-character table and startsWith, and
// the few things that can be anywhere are searched once per chunk, not once per line.

const STAGE_START = [
	'ddb',
	'dumping to dev ',
	'>> OpenBSD/',
	'boot>',
	'booting ',
	'entry point at 0x',
	'probing: ',
	'disk: ',
	'disks: ',
	'switching console to ',
	'BdsDxe: ',
	'UEFI firmware',
	'SeaBIOS (',
	'iPXE ',
	'Booting from ',
	'U-Boot ',
	'TianoCore',
	'Press ESC in ',
	'EFI stub: ',
	'root on ',
	'rebooting...',
	'syncing disks',
	'Attempting to power down',
	'vmmci',
	// viogpu(4)'s fence message has no unit number to be found by (devices.ts)
	'viogpu_send_cmd: ',
	'The operating system has halted',
	'Please press any key',
	'Welcome to the OpenBSD',
	'(I)nstall',
	'At any prompt',
	'Copyright (c) 1982,',
	'OpenBSD',
	'Stopped at',
	// arm64 trap.c messages (crash.ts matches them at the line start)
	'attempt to ',
	'FP exception',
	'Branch target',
	'Pointher',
	'Unknown kernel',
	'SError: ',
];
const USERLAND_START = [
	'Automatic boot in progress',
	'setting tty flags',
	'starting ',
	'reordering libraries',
	'savecore: ',
	'erase ^?',
	'Enter pathname of shell',
	'/dev/',
	'kbd: keyboard mapping',
];
// Crash headers, `login:` after a hostname, and bytes that make segments() split a line
// (a CR before the LF is just a CRLF line end). One regex, because a pass per literal cost
// three times as much: V8 looks for each by memchr on its first character, and p, l, f and
// w are common. The rarely found NUL, ESC and CR are in it because they make it faster
// (irregexp picks another scan), not because they need a regex.
const ANYWHERE = /[\0\x1b]|\r(?!\n)|login:|panic: |fault|witness: |lock order reversal/g;
const SHELL = ['# ', '$ '];
const DEVICE_ANYWHERE = [' at '];

export interface SkipState {
	/**
	 * Which device lines matter: all of them; only cpuN attach lines (the kernel phase, whose
	 * device lines are read from the dmesg text later); none (at the ddb prompt, where they are ignored).
	 */
	devices: 'all' | 'cpu' | 'none';
	preUserland: boolean;
	interactive: boolean;
}

export interface SkipPattern {
	/** Does the line starting at s need a look because of how it starts? */
	start(str: string, s: number): boolean;
	/** Literals, and global regexes (run from lastIndex), that matter anywhere in a line. */
	anywhere: readonly (string | RegExp)[];
}

function isLower(c: number): boolean {
	return c >= 0x61 && c <= 0x7a;
}
function isDigit(c: number): boolean {
	return c >= 0x30 && c <= 0x39;
}

/** `name0: ` at s (what a device message line looks like). */
function unitColon(str: string, s: number): boolean {
	let i = s + 1;
	while (isLower(str.charCodeAt(i)) || str.charCodeAt(i) === 0x5f) i++;
	const d = i;
	while (isDigit(str.charCodeAt(i))) i++;
	return i > d && str.charCodeAt(i) === 0x3a && str.charCodeAt(i + 1) === 0x20;
}

function cpuAttach(str: string, s: number): boolean {
	if (!str.startsWith('cpu', s)) return false;
	let i = s + 3;
	const d = i;
	while (isDigit(str.charCodeAt(i))) i++;
	return i > d && str.startsWith(' at ', i);
}

// Asked for before every line the scan looks at: a number, not a string, is the key, the
// state comes as arguments rather than an object made for each call, and the patterns are
// made elsewhere: a function that creates closures allocates their context on every call,
// even when it returns early from the cache.
const cache: (SkipPattern | undefined)[] = [];

export function skipPattern(devices: SkipState['devices'], preUserland: boolean, interactive: boolean): SkipPattern {
	const key = (devices === 'all' ? 0 : devices === 'cpu' ? 4 : 8) + (preUserland ? 2 : 0) + (interactive ? 1 : 0);
	return (cache[key] ??= makePattern(devices, preUserland, interactive));
}

function makePattern(devices: SkipState['devices'], preUserland: boolean, interactive: boolean): SkipPattern {
	// Indexed by a line's first character (latin1, so < 256).
	const byFirst: (string[] | undefined)[] = Array.from({ length: 256 }, () => undefined);
	for (const pre of [...STAGE_START, ...(preUserland ? USERLAND_START : [])]) {
		const c = pre.charCodeAt(0);
		byFirst[c] = [...(byFirst[c] ?? []), pre];
	}
	return {
		start(str: string, s: number): boolean {
			const c = str.charCodeAt(s);
			const list = byFirst[c];
			if (list !== undefined) {
				// Most lines that share a first character with a prefix differ at the second: no call then.
				const c1 = str.charCodeAt(s + 1);
				for (let i = 0; i < list.length; i++) if (list[i].charCodeAt(1) === c1 && str.startsWith(list[i], s)) return true;
			}
			if (devices === 'all') return c === 0x3a || c === 0x2c || (isLower(c) && unitColon(str, s));
			return devices === 'cpu' && c === 0x63 && cpuAttach(str, s);
		},
		anywhere: [ANYWHERE, ...(interactive ? SHELL : []), ...(devices === 'all' ? DEVICE_ANYWHERE : [])],
	};
}
