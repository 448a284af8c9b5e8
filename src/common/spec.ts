// The VM spec: what `obsdtui up` is given (a JSON file, or flags turned into one).
// Validation is strict and says exactly what is wrong, in one line: a typo in a key is
// an error, not a silently ignored setting.
import { UserError } from './errors.ts';

export type Backend = 'qemu' | 'exec' | 'serial' | 'apple';
export type Accel = 'auto' | 'tcg' | 'kvm' | 'hvf';

export interface DiskSpec {
	path: string;
	format: 'raw' | 'qcow2';
	readonly: boolean;
}

export interface NetSpec {
	/** user: QEMU's slirp; observe: obsdtui owns the far end of the wire (unix datagram socket); none. */
	mode: 'user' | 'observe' | 'none';
	/** Device MTU offered to the guest (VIRTIO_NET_F_MTU, QEMU host_mtu); absent: not offered. */
	mtu?: number;
	mac: string;
}

export interface GpuSpec {
	width: number;
	height: number;
}

export interface SerialSpec {
	device: string;
	speed: number;
	dataBits: 5 | 6 | 7 | 8;
	parity: 'none' | 'even' | 'odd';
	stopBits: 1 | 2;
	flow: 'none' | 'rtscts' | 'xonxoff';
}

export interface VmSpec {
	name: string;
	backend: Backend;
	/** Guest terminal size: the console is a serial line and has no size of its own. */
	cols: number;
	rows: number;
	/** Seconds without console output (and no prompt showing) before a hang is flagged. */
	hang: number;
	/** The per-boot console log's cap in MiB: past it the console goes on, unlogged (a guest must not fill the host's disk). */
	logMax: number;
	/** Log retention (src/helper/retention.ts): keep at most this many boots' logs, the starting one included. */
	logKeep: number;
	/** Log retention: finished boots' logs of this VM past this many MiB are removed, oldest first. */
	logQuota: number;
	// qemu (and apple)
	kernel?: string;
	initrd?: string;
	append?: string;
	/** true: the distribution's AArch64 UEFI firmware; a string: that firmware file. */
	efi?: boolean | string;
	disks: DiskSpec[];
	cpus: number;
	mem: number;
	accel: Accel;
	cpu?: string;
	/** QEMU `virt` with ACPI; OpenBSD needs it off (boots via FDT), so the default is false. */
	acpi: boolean;
	net: NetSpec;
	gpu?: GpuSpec;
	/** PSF font files the glass reader tries besides Spleen (a font loaded with wsfontload/setfont). */
	glassFonts: string[];
	/** Extra arguments appended to the QEMU command line, for what the spec does not cover. */
	qemuArgs: string[];
	/** An autoinstall(8) response file the daemon serves to the guest at http://10.0.2.100/install.conf (qemu, user network). */
	autoinstall?: string;
	/** A cache directory (images/VERSION/ARCH) whose verified sets the daemon serves at http://10.0.2.100/sets/; needs autoinstall. */
	autoinstallSets?: string;
	// exec
	command?: string;
	// serial
	serial?: SerialSpec;
}

const TOP_KEYS = new Set([
	'name', 'backend', 'cols', 'rows', 'kernel', 'initrd', 'append', 'efi', 'disks', 'disk', 'cpus', 'mem',
	'accel', 'cpu', 'acpi', 'net', 'gpu', 'glassFonts', 'qemuArgs', 'command', 'serial', 'hang', 'logMax', 'logKeep', 'logQuota', 'autoinstall', 'autoinstallSets',
]);

/** Log retention defaults (docs/user-guide.md, "Log retention"). */
export const DEFAULT_LOG_KEEP = 20;
export const DEFAULT_LOG_QUOTA_MIB = 16384;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, where: string): string | undefined {
	const v = o[key];
	if (v === undefined) return undefined;
	if (typeof v !== 'string' || v === '') throw new UserError(`${where}: '${key}' must be a non-empty string`);
	return v;
}

function int(o: Obj, key: string, where: string, min: number, max: number): number | undefined {
	const v = o[key];
	if (v === undefined) return undefined;
	if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
		throw new UserError(`${where}: '${key}' must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
	}
	return v;
}

function oneOf<T extends string>(o: Obj, key: string, where: string, allowed: readonly T[]): T | undefined {
	const v = o[key];
	if (v === undefined) return undefined;
	if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
		throw new UserError(`${where}: '${key}' must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
	}
	return v as T;
}

function noUnknownKeys(o: Obj, allowed: Set<string> | string[], where: string): void {
	const set = allowed instanceof Set ? allowed : new Set(allowed);
	for (const k of Object.keys(o)) if (!set.has(k)) throw new UserError(`${where}: unknown key '${k}'`);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A stable, locally administered MAC derived from the VM name, so reboots keep it. */
export function macForName(name: string): string {
	let h = 2166136261;
	for (const c of Buffer.from(name)) h = Math.imul(h ^ c, 16777619) >>> 0;
	const b = [0x52, 0x54, 0x00, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
	return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function parseNet(v: unknown, name: string, where: string): NetSpec {
	if (v === undefined) return { mode: 'user', mac: macForName(name) };
	if (!isObj(v)) throw new UserError(`${where}: 'net' must be an object like {"mode":"user","mtu":9000}`);
	noUnknownKeys(v, ['mode', 'mtu', 'mac'], `${where} net`);
	const mode = oneOf(v, 'mode', `${where} net`, ['user', 'observe', 'none'] as const) ?? 'user';
	const mtu = int(v, 'mtu', `${where} net`, 68, 65535);
	const mac = (str(v, 'mac', `${where} net`) ?? macForName(name)).toLowerCase();
	if (!MAC_RE.test(mac)) throw new UserError(`${where} net: 'mac' must look like 52:54:00:12:34:56`);
	return { mode, mtu, mac };
}

function parseGpu(v: unknown, where: string): GpuSpec | undefined {
	if (v === undefined || v === null || v === false) return undefined;
	if (typeof v === 'string') return parseGpuSize(v);
	if (!isObj(v)) throw new UserError(`${where}: 'gpu' must be "WxH" or {"width":W,"height":H}`);
	noUnknownKeys(v, ['width', 'height'], `${where} gpu`);
	const width = int(v, 'width', `${where} gpu`, 320, 8192) ?? 1280;
	const height = int(v, 'height', `${where} gpu`, 200, 8192) ?? 800;
	return { width, height };
}

export function parseGpuSize(s: string): GpuSpec {
	const m = /^(\d{3,4})x(\d{3,4})$/.exec(s);
	if (!m) throw new UserError(`gpu size must look like 1280x800, not ${JSON.stringify(s)}`);
	return { width: Number(m[1]), height: Number(m[2]) };
}

function parseDisks(o: Obj, where: string): DiskSpec[] {
	const raw = o.disks ?? (o.disk !== undefined ? [o.disk] : []);
	if (!Array.isArray(raw)) throw new UserError(`${where}: 'disks' must be a list`);
	return raw.map((d, i) => {
		const w = `${where} disks[${i}]`;
		if (typeof d === 'string') d = { path: d };
		if (!isObj(d)) throw new UserError(`${w}: must be a path or {"path":..., "format":"raw|qcow2"}`);
		noUnknownKeys(d, ['path', 'format', 'readonly'], w);
		const path = str(d, 'path', w);
		if (!path) throw new UserError(`${w}: 'path' is required`);
		const format = oneOf(d, 'format', w, ['raw', 'qcow2'] as const) ?? (path.endsWith('.qcow2') ? 'qcow2' : 'raw');
		const ro = d.readonly;
		if (ro !== undefined && typeof ro !== 'boolean') throw new UserError(`${w}: 'readonly' must be true or false`);
		return { path, format, readonly: ro === true };
	});
}

function parseSerial(v: unknown, where: string): SerialSpec {
	if (typeof v === 'string') v = { device: v };
	if (!isObj(v)) throw new UserError(`${where}: 'serial' must be a device path or {"device":..., "speed":115200}`);
	const w = `${where} serial`;
	noUnknownKeys(v, ['device', 'speed', 'dataBits', 'parity', 'stopBits', 'flow'], w);
	const device = str(v, 'device', w);
	if (!device) throw new UserError(`${w}: 'device' is required`);
	const speed = int(v, 'speed', w, 50, 4000000) ?? 115200;
	const dataBits = (int(v, 'dataBits', w, 5, 8) ?? 8) as SerialSpec['dataBits'];
	const parity = oneOf(v, 'parity', w, ['none', 'even', 'odd'] as const) ?? 'none';
	const stopBits = (int(v, 'stopBits', w, 1, 2) ?? 1) as SerialSpec['stopBits'];
	const flow = oneOf(v, 'flow', w, ['none', 'rtscts', 'xonxoff'] as const) ?? 'none';
	return { device, speed, dataBits, parity, stopBits, flow };
}

/** The helper's `-L`: the log cap in bytes. */
export function logMaxBytes(spec: VmSpec): number {
	return spec.logMax * 1024 * 1024;
}

/** Validate an untrusted spec object. `nameHint` is used when the spec has no name. */
export function parseSpec(input: unknown, nameHint?: string, where = 'VM spec'): VmSpec {
	if (!isObj(input)) throw new UserError(`${where}: must be a JSON object`);
	noUnknownKeys(input, TOP_KEYS, where);
	const name = str(input, 'name', where) ?? nameHint;
	if (!name) throw new UserError(`${where}: 'name' is required`);
	if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name)) throw new UserError(`${where}: invalid name ${JSON.stringify(name)}`);
	const backend = oneOf(input, 'backend', where, ['qemu', 'exec', 'serial', 'apple'] as const) ??
		(input.command !== undefined ? 'exec' : input.serial !== undefined ? 'serial' : 'qemu');
	const efi = input.efi;
	if (efi !== undefined && typeof efi !== 'boolean' && (typeof efi !== 'string' || efi === '')) {
		throw new UserError(`${where}: 'efi' must be true, false or a firmware path`);
	}
	const acpi = input.acpi;
	if (acpi !== undefined && typeof acpi !== 'boolean') throw new UserError(`${where}: 'acpi' must be true or false`);
	const qemuArgs = input.qemuArgs ?? [];
	if (!Array.isArray(qemuArgs) || !qemuArgs.every((a) => typeof a === 'string')) {
		throw new UserError(`${where}: 'qemuArgs' must be a list of strings`);
	}
	const glassFonts = input.glassFonts ?? [];
	if (!Array.isArray(glassFonts) || !glassFonts.every((a) => typeof a === 'string' && a !== '')) {
		throw new UserError(`${where}: 'glassFonts' must be a list of font file paths`);
	}
	const spec: VmSpec = {
		name,
		backend,
		cols: int(input, 'cols', where, 20, 500) ?? 80,
		rows: int(input, 'rows', where, 5, 300) ?? 24,
		hang: int(input, 'hang', where, 1, 86400) ?? 60,
		logMax: int(input, 'logMax', where, 1, 1048576) ?? 4096,
		logKeep: int(input, 'logKeep', where, 1, 100000) ?? DEFAULT_LOG_KEEP,
		logQuota: int(input, 'logQuota', where, 1, 16777216) ?? DEFAULT_LOG_QUOTA_MIB,
		kernel: str(input, 'kernel', where),
		initrd: str(input, 'initrd', where),
		append: typeof input.append === 'string' ? input.append : str(input, 'append', where),
		efi: efi as boolean | string | undefined,
		disks: parseDisks(input, where),
		cpus: int(input, 'cpus', where, 1, 64) ?? 2,
		mem: int(input, 'mem', where, 64, 1048576) ?? 1024,
		accel: oneOf(input, 'accel', where, ['auto', 'tcg', 'kvm', 'hvf'] as const) ?? 'auto',
		cpu: str(input, 'cpu', where),
		acpi: acpi === true,
		net: parseNet(input.net, name, where),
		gpu: parseGpu(input.gpu, where),
		glassFonts: glassFonts as string[],
		qemuArgs: qemuArgs as string[],
		command: str(input, 'command', where),
		serial: input.serial !== undefined ? parseSerial(input.serial, where) : undefined,
		autoinstall: str(input, 'autoinstall', where),
		autoinstallSets: str(input, 'autoinstallSets', where),
	};
	if (spec.autoinstallSets !== undefined && spec.autoinstall === undefined) throw new UserError(`${where}: 'autoinstallSets' needs 'autoinstall'`);
	if (spec.autoinstall !== undefined && (backend !== 'qemu' || spec.net.mode !== 'user')) {
		// Served through QEMU's user network (guestfwd); Apple's NAT has no such path without a host TCP port.
		throw new UserError(`${where}: 'autoinstall' needs the qemu backend with the user network`);
	}
	if (backend === 'exec' && !spec.command) throw new UserError(`${where}: backend exec needs 'command'`);
	if (backend === 'serial' && !spec.serial) throw new UserError(`${where}: backend serial needs 'serial'`);
	// Disks and no kernel: boot them through UEFI (how an OpenBSD image boots), unless
	// the spec turned firmware off explicitly.
	if (backend === 'qemu' && !spec.kernel && spec.efi === undefined && spec.disks.length > 0) spec.efi = true;
	if (backend === 'qemu' && !spec.kernel && spec.efi === false && spec.disks.length > 0) {
		throw new UserError(`${where}: without a kernel, disks boot through UEFI firmware: 'efi' cannot be false`);
	}
	if (backend === 'qemu' && !spec.kernel && !spec.efi && spec.disks.length === 0) {
		throw new UserError(`${where}: a qemu VM needs a kernel, EFI firmware or a disk to boot from`);
	}
	if (spec.initrd && !spec.kernel) throw new UserError(`${where}: 'initrd' needs 'kernel'`);
	return spec;
}

/** Parse `--net` flag text: "mtu=9000", "observe,mtu=9000", "none", "user". */
export function parseNetFlag(text: string, name: string): NetSpec {
	const net: Obj = {};
	for (const part of text.split(',').filter(Boolean)) {
		const [k, v] = part.split('=', 2);
		if (v === undefined) {
			if (k === 'user' || k === 'observe' || k === 'none') net.mode = k;
			else throw new UserError(`--net: unknown option '${k}' (expected user, observe, none, mtu=N, mac=M)`);
		} else if (k === 'mtu') {
			if (!/^\d+$/.test(v)) throw new UserError(`--net: mtu must be a number, not '${v}'`);
			net.mtu = Number(v);
		} else if (k === 'mac') net.mac = v;
		else throw new UserError(`--net: unknown option '${k}'`);
	}
	return parseNet(net, name, '--net');
}
