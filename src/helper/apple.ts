// The Apple Virtualization backend: a validated VmSpec becomes the Swift helper's command line
//   apple -s <vmDir>/spec.json [-n net.sock -r vm-net.sock]
// Unlike QEMU, a VZ virtual machine lives inside the process that configures it, so the
// helper (native/apple/obsdtui-vz-helper) reads the spec itself. Everything the user can
// get wrong is checked here, where it is testable, so the helper only meets valid specs.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { arch as hostArch, release as hostRelease } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logMaxBytes, type VmSpec } from '../common/spec.ts';
import { UserError } from '../common/errors.ts';
import { netSocketPath, vmNetSocketPath } from './qemu.ts';

export const VZ_HELPER = 'obsdtui-vz-helper';

// VZFileHandleNetworkDeviceAttachment.maximumTransmissionUnit: outside this range the
// configuration is invalid (Apple's documentation, macOS 13).
export const VZ_MTU_MIN = 1500;
export const VZ_MTU_MAX = 65535;

// Darwin 22 is macOS 13: VZEFIBootLoader, the file-handle MTU and virtio-gpu need it.
const DARWIN_MIN = 22;

// sun_path is 104 bytes on macOS, NUL included.
const MAX_SOCKET_PATH = 103;

export interface AppleHost {
	platform: NodeJS.Platform;
	arch: string;
	/** os.release(): the Darwin kernel version on macOS. */
	release: string;
}

export interface AppleArgvOptions {
	host?: AppleHost;
	/** The helper binary to check for; default appleHelperBinaryPath(). */
	helper?: string;
}

export function currentAppleHost(): AppleHost {
	return { platform: process.platform, arch: hostArch(), release: hostRelease() };
}

/** Where the built Swift helper lives: next to native/qemu/, from src/helper/ or dist/. */
export function appleHelperBinaryPath(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	while (!existsSync(join(dir, 'native', 'qemu')) && dirname(dir) !== dir) dir = dirname(dir);
	return join(dir, 'native', 'apple', VZ_HELPER);
}

function checkHost(host: AppleHost): void {
	const darwin = Number.parseInt(host.release, 10);
	if (host.platform !== 'darwin' || host.arch !== 'arm64' || !(darwin >= DARWIN_MIN)) {
		throw new UserError('the apple backend needs macOS 13 or newer with Apple silicon');
	}
}

function checkHelper(path: string): string {
	try {
		accessSync(path, constants.X_OK);
		if (statSync(path).isFile()) return path;
	} catch {
		// not built
	}
	throw new UserError(`the Apple Virtualization helper is not built (${path}): install the Xcode command line tools (xcode-select --install), then run npm install`);
}

/** The Swift helper binary; a UserError when it is not built. */
export function appleHelperBinary(path = appleHelperBinaryPath()): string {
	return checkHelper(path);
}

function readable(path: string, what: string): string {
	const abs = resolve(path);
	try {
		accessSync(abs, constants.R_OK);
		if (!statSync(abs).isFile()) throw new UserError(`${what} ${abs} is not a file`);
	} catch (err) {
		if (err instanceof UserError) throw err;
		throw new UserError(`${what} not found or not readable: ${abs}`);
	}
	return abs;
}

function checkDisks(spec: VmSpec): void {
	for (const d of spec.disks) {
		if (d.format === 'qcow2') {
			throw new UserError(`disk ${d.path}: the apple backend takes raw disk images only (qemu-img convert -O raw ${d.path} disk.img)`);
		}
		const abs = readable(d.path, 'disk');
		if (!d.readonly) {
			try {
				accessSync(abs, constants.W_OK);
			} catch {
				throw new UserError(`disk ${abs} is not writable by us (mark it readonly in the spec, or fix its permissions)`);
			}
		}
		// VZDiskImageStorageDeviceAttachment refuses other sizes.
		const size = statSync(abs).size;
		if (size % 512 !== 0) throw new UserError(`disk ${abs} is ${size} bytes: Apple Virtualization needs a multiple of 512`);
	}
}

function checkBoot(spec: VmSpec): void {
	if (typeof spec.efi === 'string') {
		throw new UserError(`the apple backend boots with Apple's own UEFI firmware: 'efi' must be true or false, not a file`);
	}
	if (spec.kernel) {
		if (spec.efi === true) throw new UserError(`an apple VM boots either a kernel or UEFI, not both: drop 'efi' or 'kernel'`);
		readable(spec.kernel, 'kernel');
		if (spec.initrd) readable(spec.initrd, 'initrd');
		return;
	}
	if (spec.efi === false) throw new UserError(`without a kernel, an apple VM boots through UEFI: 'efi' cannot be false`);
	if (spec.disks.length === 0) throw new UserError('an apple VM needs a disk to boot from (or a kernel)');
}

function checkNet(spec: VmSpec): void {
	const { mtu, mode } = spec.net;
	if (mtu === undefined) return;
	if (mtu < VZ_MTU_MIN || mtu > VZ_MTU_MAX) {
		throw new UserError(`net mtu ${mtu}: Apple Virtualization takes an MTU from ${VZ_MTU_MIN} to ${VZ_MTU_MAX}`);
	}
	if (mode === 'user') {
		throw new UserError(`net mtu ${mtu}: the apple backend's user network (VZ NAT) has no MTU setting; use --net observe,mtu=${mtu}`);
	}
}

function socketPath(path: string): string {
	if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
		throw new UserError(`socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes; set OBSDTUI_STATE_DIR to a shorter directory`);
	}
	return path;
}

/**
 * The helper's argv after `-d VMDIR -b BOOT` for an apple VM. The helper reads the spec from
 * VMDIR/spec.json, which the daemon writes before it starts the helper. Throws UserError for
 * anything the user must fix.
 */
export async function appleArgv(spec: VmSpec, vmDir: string, opts: AppleArgvOptions = {}): Promise<string[]> {
	if (spec.backend !== 'apple') throw new UserError(`VM ${spec.name} uses the ${spec.backend} backend, not apple`);
	checkHost(opts.host ?? currentAppleHost());
	appleHelperBinary(opts.helper);
	vmDir = resolve(vmDir);
	if (spec.qemuArgs.length > 0) throw new UserError(`'qemuArgs' are for the qemu backend; the apple backend has no QEMU`);
	checkBoot(spec);
	checkDisks(spec);
	checkNet(spec);
	// Like QEMU's -netdev dgram: the helper binds net.sock for the wire and connects the
	// VM's end, vm-net.sock, to it; net tools find the wire where they do for qemu VMs.
	const wire = spec.net.mode === 'observe' ? ['-n', socketPath(netSocketPath(vmDir)), '-r', socketPath(vmNetSocketPath(vmDir))] : [];
	return ['apple', '-L', String(logMaxBytes(spec)), '-s', join(vmDir, 'spec.json'), ...wire];
}
