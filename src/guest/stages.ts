// Which boot stage a console line announces. Kernel and loader strings are stable across
// releases; rc(8) and installer lines differ between releases, so those match loosely.
import type { Prompt, StageName } from './types.ts';

/** Stages that come before a kernel banner: seeing one after a banner means a new boot. */
export const EARLY: ReadonlySet<StageName> = new Set(['firmware', 'bootloader', 'kernel', 'banner']);
const PRE_USERLAND: ReadonlySet<StageName> = new Set(['firmware', 'bootloader', 'kernel', 'banner', 'autoconf', 'root']);
export const INTERACTIVE: ReadonlySet<StageName> = new Set(['userland', 'login', 'installer', 'shell']);
/** Stages that end the kernel's own messages of a boot (what dmesg.boot holds). */
export const AFTER_KERNEL: ReadonlySet<StageName> = new Set([
	'userland',
	'login',
	'installer',
	'shell',
	'shutdown',
	'halted',
	'rebooting',
	'panic',
	'ddb',
]);
/** Stages the guest is expected to leave on its own: staying long in one is a stall. */
export const TRANSIENT: ReadonlySet<StageName> = new Set(['firmware', 'kernel', 'banner', 'autoconf', 'root', 'userland', 'shutdown', 'rebooting']);

export const DDB_PROMPT_RE = /^ddb(?:\{(\d+)\})?>/;
const FIRMWARE_RE = /^(?:BdsDxe: |UEFI firmware|SeaBIOS \(version|iPXE |Booting from |U-Boot |TianoCore|Press ESC in |EFI stub: )/;
const BOOTLOADER_RE = /^(?:>> OpenBSD\/\w+ |boot> |boot>$|probing: pc0 |disks?: (?:[a-z]+\d+\*? ?)+$|switching console to )/;
const LOADING_RE = /^(?:booting \S+: |entry point at 0x)/;
const USERLAND_RE =
	/^(?:Automatic boot in progress|setting tty flags|starting network|starting early daemons|starting RPC daemons|starting local daemons|reordering libraries|savecore: |erase \^\?, werase \^W|Enter pathname of shell|\/dev\/\S+: file system is clean|kbd: keyboard mapping)/;
const LOGIN_RE = /^(?!Last )(?:[\w.-]+ )?login:(?: |$)|^OpenBSD\/\w+ \([^)]*\) \(\w+\)$/;
const INSTALLER_RE = /^(?:Welcome to the OpenBSD\/\w+ \S+ installation program\.|\(I\)nstall, \(U\)pgrade|At any prompt except password prompts you can escape to a shell)/;
const SHUTDOWN_RE = /^(?:syncing disks\.\.\.|Attempting to power down|vmmci\d+: powerdown|dumping to dev )/;
const HALTED_RE = /^(?:The operating system has halted\.|Please press any key to reboot\.)/;
const SHELL_CMD_RE = /^(?:[\w.@:~/[\]-]+ ?)?[#$] \S/;

export function maybeUserland(current: StageName | null): boolean {
	return current === null || PRE_USERLAND.has(current);
}

/** The stage a complete line announces, given where the boot is. Attach lines are handled by the caller. */
export function stageOf(s: string, current: StageName | null): StageName | null {
	// Dispatch on the first character: this runs on every line, and most lines announce nothing.
	switch (s.charCodeAt(0)) {
		case 0x64 /* d */:
			if (DDB_PROMPT_RE.test(s)) return 'ddb';
			if (s.startsWith('dumping to dev ')) return 'shutdown';
			if (BOOTLOADER_RE.test(s)) return 'bootloader';
			break;
		case 0x3e /* > */:
		case 0x62 /* b */:
		case 0x70 /* p */:
			if (BOOTLOADER_RE.test(s)) return 'bootloader';
			if (LOADING_RE.test(s)) return 'kernel';
			break;
		case 0x42 /* B */:
		case 0x55 /* U */:
		case 0x53 /* S */:
		case 0x69 /* i */:
		case 0x54 /* T */:
		case 0x50 /* P */:
		case 0x45 /* E */:
			if (FIRMWARE_RE.test(s)) return 'firmware';
			if (HALTED_RE.test(s)) return 'halted';
			if (maybeUserland(current) && USERLAND_RE.test(s)) return 'userland';
			break;
		case 0x65 /* e */:
			if (LOADING_RE.test(s)) return 'kernel';
			if (maybeUserland(current) && USERLAND_RE.test(s)) return 'userland';
			break;
		case 0x2f /* / */:
		case 0x6b /* k */:
			if (maybeUserland(current) && USERLAND_RE.test(s)) return 'userland';
			break;
		case 0x72 /* r */:
			if (s.startsWith('root on ')) return 'root';
			if (s.startsWith('rebooting...')) return 'rebooting';
			if (maybeUserland(current) && USERLAND_RE.test(s)) return 'userland';
			break;
		case 0x73 /* s */:
		case 0x41 /* A */:
		case 0x76 /* v */:
			if (BOOTLOADER_RE.test(s)) return 'bootloader';
			if (SHUTDOWN_RE.test(s)) return 'shutdown';
			if (maybeUserland(current) && USERLAND_RE.test(s)) return 'userland';
			break;
		case 0x57 /* W */:
		case 0x28 /* ( */:
			if (INSTALLER_RE.test(s)) return 'installer';
			break;
	}
	if (s.includes('login:') && LOGIN_RE.test(s)) return 'login';
	if (s.charCodeAt(0) === 0x4f /* O */ && LOGIN_RE.test(s)) return 'login';
	if (s.charCodeAt(0) === 0x41 /* A */ && INSTALLER_RE.test(s)) return 'installer';
	if (current !== null && INTERACTIVE.has(current) && (s.includes('# ') || s.includes('$ ')) && SHELL_CMD_RE.test(s)) return 'shell';
	return null;
}

const SHELL_PROMPT_RE = /^(?:[\w.@:~/[\]-]+ ?){0,3}[#$] $/;

/** A complete line that is only a shell prompt (Enter on an empty command line, or the last line of a log). */
export function isBarePrompt(s: string): boolean {
	return s.length <= 200 && (s.endsWith('# ') || s.endsWith('$ ')) && SHELL_PROMPT_RE.test(s);
}

/** What the guest waits for, judging by an unterminated last line. */
export function promptOf(partial: string, stage: StageName | null): Prompt | null {
	if (partial.length === 0 || partial.length > 200) return null;
	if (/^ddb(?:\{\d+\})?> ?$/.test(partial)) return 'ddb';
	if (/^boot> ?$/.test(partial)) return 'boot';
	if (/(?:^|\s)login: ?$/.test(partial) || /^Password: ?$/.test(partial)) return 'login';
	if (partial.startsWith('(I)nstall, (U)pgrade') || (stage === 'installer' && /[?\]] $/.test(partial))) return 'installer';
	if (SHELL_PROMPT_RE.test(partial)) return 'shell';
	return null;
}

export function stageOfPrompt(p: Prompt): StageName {
	return p === 'boot' ? 'bootloader' : p;
}
