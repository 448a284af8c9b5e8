// The QEMU backend: a validated VmSpec becomes the helper's command line
//   qemu -T raw -L LOGMAX -s <vmDir>/console.sock [-n net.sock -r vm-net.sock] -- qemu-system-aarch64 ARGS...
// The helper (native/qemu) runs it and connects to the console socket itself (raw
// bytes), so QEMU gets exactly one serial port and no monitor other than QMP.
import { access, stat } from 'node:fs/promises';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { logMaxBytes, type VmSpec } from '../common/spec.ts';
import { UserError } from '../common/errors.ts';
import { chooseAccel, currentHost, type HostInfo } from './accel.ts';
import { AUTOINSTALL_ADDRESS } from '../image/autoinstall.ts';

export const QEMU_BINARY = 'qemu-system-aarch64';
export const QEMU_INSTALL_HINT = 'Debian/Ubuntu: apt-get install qemu-system-arm qemu-efi-aarch64 qemu-utils; macOS: brew install qemu';

// sun_path is 108 bytes on Linux, 104 on macOS; longer paths are silently cut by some tools.
const MAX_SOCKET_PATH = 103;

export function consoleSocketPath(vmDir: string): string {
	return join(vmDir, 'console.sock');
}

export function qmpSocketPath(vmDir: string): string {
	return join(vmDir, 'qmp.sock');
}

/** QEMU's VNC server for a VM with a GPU: the daemon's RFB client reads the framebuffer here. */
export function vncSocketPath(vmDir: string): string {
	return join(vmDir, 'vnc.sock');
}

/** The host end of an `observe` network, bound by the helper. */
export function netSocketPath(vmDir: string): string {
	return join(vmDir, 'net.sock');
}

/** The guest end of an `observe` network, bound by QEMU. */
export function vmNetSocketPath(vmDir: string): string {
	return join(vmDir, 'vm-net.sock');
}

function isExecutable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return statSync(path).isFile();
	} catch {
		return false;
	}
}

/** `$OBSDTUI_QEMU`, else qemu-system-aarch64 from PATH; null when there is none. */
export function findQemu(env: NodeJS.ProcessEnv = process.env): string | null {
	if (env.OBSDTUI_QEMU) return isExecutable(env.OBSDTUI_QEMU) ? resolve(env.OBSDTUI_QEMU) : null;
	for (const dir of (env.PATH ?? '').split(delimiter)) {
		if (!dir) continue;
		const candidate = join(dir, QEMU_BINARY);
		if (isExecutable(candidate)) return resolve(candidate);
	}
	return null;
}

export function qemuBinary(env: NodeJS.ProcessEnv = process.env): string {
	const found = findQemu(env);
	if (found) return found;
	const why = env.OBSDTUI_QEMU ? ` (OBSDTUI_QEMU=${env.OBSDTUI_QEMU} is not an executable file)` : '';
	throw new UserError(`${QEMU_BINARY} not found${why} (${QEMU_INSTALL_HINT})`);
}

/** Where distributions and Homebrew put the AArch64 UEFI firmware, best first. */
export function firmwareCandidates(qemu: string | null): string[] {
	const list = [
		'/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
		'/usr/share/AAVMF/AAVMF_CODE.fd',
		'/usr/share/edk2/aarch64/QEMU_EFI.fd',
		'/usr/share/qemu/edk2-aarch64-code.fd',
	];
	if (qemu) {
		// Homebrew links bin/qemu-system-aarch64 into the Cellar; share/ sits beside either.
		const dirs = [dirname(qemu)];
		try {
			dirs.push(dirname(realpathSync(qemu)));
		} catch {
			// a dangling link: the first guess is all we have
		}
		for (const d of dirs) list.push(join(d, '..', 'share', 'qemu', 'edk2-aarch64-code.fd'));
	}
	return [...new Set(list.map((p) => resolve(p)))];
}

export function findFirmware(qemu: string | null, candidates = firmwareCandidates(qemu)): string | null {
	for (const p of candidates) {
		try {
			if (statSync(p).isFile()) return p;
		} catch {
			// not here
		}
	}
	return null;
}

/** QEMU option values are comma separated; a literal comma is written twice. */
function optValue(s: string): string {
	return s.replaceAll(',', ',,');
}

async function readableFile(path: string, what: string): Promise<string> {
	const abs = resolve(path);
	try {
		const st = await stat(abs);
		if (!st.isFile() && !st.isBlockDevice()) throw new UserError(`${what} ${abs} is not a file`);
		await access(abs, constants.R_OK);
	} catch (err) {
		if (err instanceof UserError) throw err;
		throw new UserError(`${what} not found or not readable: ${abs}`);
	}
	return abs;
}

function socketPath(path: string): string {
	if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
		throw new UserError(`socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes; set OBSDTUI_STATE_DIR to a shorter directory`);
	}
	return path;
}

async function firmwareArgs(spec: VmSpec, qemu: string, candidates?: string[]): Promise<string[]> {
	if (spec.efi === undefined || spec.efi === false) return [];
	if (typeof spec.efi === 'string') return ['-bios', await readableFile(spec.efi, 'EFI firmware')];
	const fw = findFirmware(qemu, candidates);
	if (!fw) {
		throw new UserError('no AArch64 UEFI firmware found (Debian/Ubuntu: apt-get install qemu-efi-aarch64; macOS: brew install qemu; or set "efi" to a firmware file)');
	}
	return ['-bios', fw];
}

async function kernelArgs(spec: VmSpec): Promise<string[]> {
	const args: string[] = [];
	if (spec.kernel) args.push('-kernel', await readableFile(spec.kernel, 'kernel'));
	if (spec.initrd) args.push('-initrd', await readableFile(spec.initrd, 'initrd'));
	if (spec.kernel && spec.append !== undefined) args.push('-append', spec.append);
	return args;
}

async function diskArgs(spec: VmSpec): Promise<string[]> {
	const args: string[] = [];
	for (const [i, d] of spec.disks.entries()) {
		const path = await readableFile(d.path, 'disk');
		if (!d.readonly) {
			try {
				await access(path, constants.W_OK);
			} catch {
				throw new UserError(`disk ${path} is not writable by us (mark it readonly in the spec, or fix its permissions)`);
			}
		}
		const drive = `file=${optValue(path)},format=${d.format},if=none,id=disk${i}${d.readonly ? ',readonly=on' : ''}`;
		// bootindex: the firmware tries the disks in the spec's order and nothing else (no
		// minutes of PXE attempts before a disk without a boot loader falls through to the next).
		args.push('-drive', drive, '-device', `virtio-blk-pci,drive=disk${i},id=blk${i},bootindex=${i}`);
	}
	return args;
}

function netArgs(spec: VmSpec, vmDir: string): string[] {
	const { net } = spec;
	let netdev: string;
	if (net.mode === 'none') return [];
	if (net.mode === 'user') {
		netdev = 'user,id=n0';
		if (spec.autoinstall !== undefined) {
			// The guest's connections to 10.0.2.100:80 go to the daemon's unix socket, not to a
			// host port. reconnect: QEMU starts even if the daemon is not listening (yet, or
			// any more after a restart) and connects when it is. The chardev options are a
			// second level of QEMU option syntax inside the netdev's: commas doubled once.
			const sock = socketPath(join(vmDir, 'autoinstall.sock'));
			if (sock.includes(',')) throw new UserError(`the state dir ${vmDir} has a comma in its path; QEMU's guestfwd cannot name that socket`);
			netdev += `,guestfwd=tcp:${AUTOINSTALL_ADDRESS}:80-unix:${sock},,reconnect=1`;
		}
	}
	else {
		// dgram, not stream: the observer may start, die or restart at any time and QEMU
		// 7.2's stream client never reconnects. Each datagram is one Ethernet frame.
		const local = optValue(socketPath(vmNetSocketPath(vmDir)));
		const remote = optValue(socketPath(netSocketPath(vmDir)));
		netdev = `dgram,id=n0,local.type=unix,local.path=${local},remote.type=unix,remote.path=${remote}`;
	}
	// romfile= : the PXE option ROM is not needed and is a separate package on Debian.
	const mtu = net.mtu !== undefined ? `,host_mtu=${net.mtu}` : '';
	return ['-netdev', netdev, '-device', `virtio-net-pci,netdev=n0,id=net0,mac=${net.mac}${mtu},romfile=`];
}

function gpuArgs(spec: VmSpec, vmDir: string): string[] {
	if (!spec.gpu) return [];
	return [
		'-device', `virtio-gpu-pci,id=gpu0,xres=${spec.gpu.width},yres=${spec.gpu.height}`,
		// VNC on a unix socket only (no TCP port): the daemon's RFB client reads the
		// framebuffer as it changes instead of polling screendump, and types on the glass.
		// The state dir is 0700, so the socket is ours alone.
		'-vnc', `unix:${optValue(socketPath(vncSocketPath(vmDir)))}`,
		// A keyboard for those keys: OpenBSD has no virtio input driver, but xhci(4) and
		// ukbd(4) attach on every arm64 kernel (Linux: xhci-pci, usbhid).
		'-device', 'qemu-xhci,id=usb0', '-device', 'usb-kbd,bus=usb0.0',
	];
}

function machine(spec: VmSpec, accel: string): string {
	// OpenBSD/arm64 hangs after the ACPI tables on `virt`; without ACPI it boots via FDT.
	let m = spec.acpi ? 'virt' : 'virt,acpi=off';
	// Apple M1/M2 offer a 36-bit IPA space to HVF; the high PCIe/RAM regions do not fit.
	if (accel === 'hvf' && spec.mem <= 3072) m += ',highmem=off';
	return m;
}

export interface QemuArgvOptions {
	host?: HostInfo;
	env?: NodeJS.ProcessEnv;
	/** Where to look for UEFI firmware instead of firmwareCandidates(). */
	firmware?: string[];
}

/**
 * The helper's argv after `-d VMDIR -b BOOT` for a qemu VM. Throws UserError for anything
 * the user must fix (missing qemu, firmware, kernel, initrd or disk file).
 */
export async function qemuArgv(spec: VmSpec, vmDir: string, opts: QemuArgvOptions = {}): Promise<string[]> {
	if (spec.backend !== 'qemu') throw new UserError(`VM ${spec.name} uses the ${spec.backend} backend, not qemu`);
	vmDir = resolve(vmDir);
	const qemu = qemuBinary(opts.env);
	const { accel, cpu } = chooseAccel(spec, opts.host ?? currentHost());
	const consoleSock = socketPath(consoleSocketPath(vmDir));
	const qmpSock = socketPath(qmpSocketPath(vmDir));
	const args = [
		'-name', spec.name,
		'-nodefaults', '-no-user-config', '-display', 'none',
		'-M', machine(spec, accel), '-accel', accel, '-cpu', cpu,
		'-smp', String(spec.cpus), '-m', String(spec.mem),
		// QMP first: with wait=on QEMU blocks on the console socket until the helper
		// connects, and QMP should already answer by then.
		'-chardev', `socket,id=qmp0,path=${optValue(qmpSock)},server=on,wait=off`,
		'-mon', 'chardev=qmp0,mode=control',
		// wait=on: nothing the guest prints can be lost before the helper is there;
		// Raw bytes, no telnet: QEMU 7.2 sometimes lost the guest's first output while
		// negotiating telnet (3 of 28 boots), and the log must have every byte. A BREAK
		// (OpenBSD's way into ddb on a serial console) goes through QMP instead:
		// chardev-send-break on ser0.
		'-chardev', `socket,id=ser0,path=${optValue(consoleSock)},server=on,wait=on`,
		'-serial', 'chardev:ser0',
		...(await firmwareArgs(spec, qemu, opts.firmware)),
		...(await kernelArgs(spec)),
		...(await diskArgs(spec)),
		...netArgs(spec, vmDir),
		...gpuArgs(spec, vmDir),
		...spec.qemuArgs,
	];
	// The helper owns the host end of an observe network: it binds net.sock, QEMU sends to it.
	const wire = spec.net.mode === 'observe' ? ['-n', socketPath(netSocketPath(vmDir)), '-r', socketPath(vmNetSocketPath(vmDir))] : [];
	return ['qemu', '-T', 'raw', '-L', String(logMaxBytes(spec)), '-s', consoleSock, ...wire, '--', qemu, ...args];
}
