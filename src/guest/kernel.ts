// Kernel identity from the banner:
//   OpenBSD 7.4 (RAMDISK) #2131: Sun Oct  8 13:35:40 MDT 2023
//       deraadt@arm64.openbsd.org:/usr/src/sys/arch/arm64/compile/RAMDISK
//   real mem  = 2138013696 (2038MB)      (arm64 prints two spaces, amd64 one)
import type { KernelInfo } from './types.ts';
import { own } from './lines.ts';

const VERSION_RE = /^OpenBSD ((\d+\.\d+)(?:-\w+)?) \(([^)\s]+)\) (#\d+: .*)$/;
const BUILDER_RE = /^\s+(\S+@\S*:\S*\/compile\/\S+)\s*$/;
const ARCH_RE = /\/arch\/(\w+)\/compile\//;
const MEM_RE = /^(real|avail) mem\s+= (\d+)/;

export function isCopyright(s: string): boolean {
	return s.startsWith('Copyright (c) 1982,');
}

export function parseVersionLine(s: string, line: number): KernelInfo | null {
	if (!s.startsWith('OpenBSD ')) return null;
	const m = VERSION_RE.exec(s);
	if (!m) return null;
	return {
		version: m[1],
		release: m[2],
		arch: null,
		config: m[3],
		ncpu: 0,
		build: m[4],
		builder: null,
		realMem: null,
		availMem: null,
		banner: s,
		line,
	};
}

/** Lines right after the version line that complete the identity. Returns true if used. */
export function addKernelDetail(k: KernelInfo, s: string): boolean {
	if (k.builder === null && s.startsWith(' ')) {
		const b = BUILDER_RE.exec(s);
		if (b) {
			k.builder = own(b[1]);
			const a = ARCH_RE.exec(b[1]);
			if (a) k.arch = a[1];
			return true;
		}
	}
	if (s.charCodeAt(1) === 0x65 /* e */ || s.charCodeAt(1) === 0x76 /* v */) {
		const m = MEM_RE.exec(s);
		if (m) {
			if (m[1] === 'real') k.realMem = Number(m[2]);
			else k.availMem = Number(m[2]);
			return true;
		}
	}
	return false;
}

const ARCH_HINT_RE = /OpenBSD\/(\w+) /;

/** `>> OpenBSD/arm64 BOOTAA64`, `Welcome to the OpenBSD/amd64 6.5 installation program.` */
export function archHint(s: string): string | null {
	const m = ARCH_HINT_RE.exec(s);
	return m ? m[1] : null;
}
