// obsdtui create: install media (fetched and verified, or the user's file), a disk of the
// right format for the backend, and the VM's spec.json, which `obsdtui up NAME` then starts.
//
//   vms/NAME/spec.json       the spec (the same file `up` writes; `up NAME` reads it)
//   vms/NAME/disk.qcow2      QEMU: the target disk (qemu-img create -f qcow2)
//   vms/NAME/disk.img        Apple: a sparse raw file (Virtualization takes raw images only)
//   vms/NAME/install.conf    --autoinstall: the response file the daemon serves to the guest
//   vms/NAME/efi-vars.fd     Apple: the UEFI variable store, made by the Swift helper on the
//                            first start (VZEFIVariableStore's format is Apple's own)
// QEMU loads its firmware with -bios and keeps no UEFI variables: the firmware finds the
// boot loader at the removable-media path every time, where OpenBSD's installer puts it.
//
// The target disk comes first and the media second (read-only): a blank disk does not boot,
// so the firmware falls through to the installer; once installed, the disk boots itself.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import { makePrivateDir, vmDir } from '../common/paths.ts';
import { parseSpec, type GpuSpec, type NetSpec, type VmSpec } from '../common/spec.ts';
import { findQemu } from '../helper/qemu.ts';
import { checkVersion, DEFAULT_ARCH, fetchImage, imageCacheRoot, type FetchEvent } from './fetch.ts';

export interface CreateOptions {
	name: string;
	/** A release ('7.9'), 'snapshots', or a path to an image file. */
	from: string;
	diskSize: number;
	backend: 'qemu' | 'apple';
	cpus?: number;
	mem?: number;
	gpu?: GpuSpec;
	net?: NetSpec;
	// for fetching
	arch?: string;
	file?: string;
	mirror?: string;
	keys?: string[];
	stallSeconds?: number;
	onEvent?: (e: FetchEvent) => void;
	/** An autoinstall(8) response file's text: kept as vms/NAME/install.conf and served to the guest. */
	autoinstall?: string;
	/** Serve the cached, verified sets of the release to the installer too (autoinstall). */
	setsFromCache?: boolean;
}

export interface Created {
	dir: string;
	spec: VmSpec;
	media: string;
	disk: string;
}

const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "20G", "512M", "1.5T" (binary units) -> bytes, a multiple of 1 MiB. */
export function parseSize(text: string): number {
	const m = /^(\d+(?:\.\d+)?)([KMGT])i?B?$/i.exec(text.trim());
	if (!m) throw new UserError(`disk size must look like 20G or 512M, not ${JSON.stringify(text)}`);
	const bytes = Math.ceil((Number(m[1]) * UNITS[m[2].toUpperCase()]) / 2 ** 20) * 2 ** 20;
	// OpenBSD's installer wants room for its sets; 64 TiB is far beyond any test VM.
	if (bytes < 512 * 2 ** 20 || bytes > 64 * 2 ** 40) throw new UserError(`disk size ${text} is outside 512M..64T`);
	return bytes;
}

/** Whether --from names a file rather than a release: anything that is not 7.9 or snapshots. */
function isPath(from: string): boolean {
	return from.includes('/') || !(from === 'snapshots' || /^\d\.\d$/.test(from));
}

function qemuImg(): string {
	const qemu = findQemu();
	const beside = qemu ? join(dirname(qemu), 'qemu-img') : undefined;
	if (beside && existsSync(beside)) return beside;
	const r = spawnSync('qemu-img', ['--version'], { stdio: 'ignore' });
	if (r.error) throw new UserError('qemu-img not found (Debian/Ubuntu: apt-get install qemu-utils; macOS: brew install qemu)');
	return 'qemu-img';
}

function makeDisk(backend: 'qemu' | 'apple', dir: string, size: number): { path: string; format: 'qcow2' | 'raw' } {
	if (backend === 'qemu') {
		const path = join(dir, 'disk.qcow2');
		const r = spawnSync(qemuImg(), ['create', '-q', '-f', 'qcow2', path, String(size)], { encoding: 'utf8' });
		if (r.status !== 0) throw new UserError(`qemu-img create failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n')[0]}`);
		return { path, format: 'qcow2' };
	}
	// Sparse: the file takes no space until the guest writes (APFS and ext4 both do this).
	const path = join(dir, 'disk.img');
	const fd = openSync(path, 'wx', 0o600);
	try {
		ftruncateSync(fd, size);
	} finally {
		closeSync(fd);
	}
	return { path, format: 'raw' };
}

async function media(opts: CreateOptions): Promise<string> {
	if (isPath(opts.from)) {
		const path = resolve(opts.from);
		let ok = false;
		try {
			ok = statSync(path).isFile();
		} catch {
			// below
		}
		if (!ok) throw new UserError(`--from ${opts.from}: not a release (like 7.9), snapshots, or an image file`);
		return path;
	}
	const r = await fetchImage({
		version: checkVersion(opts.from),
		arch: opts.arch,
		file: opts.file,
		mirror: opts.mirror,
		keys: opts.keys,
		stallSeconds: opts.stallSeconds,
		onEvent: opts.onEvent,
	});
	return r.path;
}

export async function createVm(opts: CreateOptions): Promise<Created> {
	const dir = vmDir(opts.name);
	if (existsSync(join(dir, 'spec.json'))) throw new UserError(`a VM named '${opts.name}' exists already ('obsdtui rm ${opts.name}' first)`);
	if (opts.setsFromCache && (opts.autoinstall === undefined || isPath(opts.from))) {
		throw new UserError('--sets-from-cache needs --autoinstall and a release or snapshots in --from');
	}
	if (opts.autoinstall !== undefined && opts.backend === 'apple') {
		throw new UserError('--autoinstall: the apple backend has no way to hand the guest a response file without a host TCP port (see "Getting OpenBSD" in the user guide)');
	}
	// The media first: a failed fetch must leave no half-made VM behind.
	const mediaPath = await media(opts);
	const existed = existsSync(dir);
	makePrivateDir(dir);
	try {
		const disk = makeDisk(opts.backend, dir, opts.diskSize);
		const raw: Record<string, unknown> = {
			name: opts.name,
			backend: opts.backend,
			efi: true,
			disks: [{ path: disk.path, format: disk.format }, { path: mediaPath, format: 'raw', readonly: true }],
			...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
			...(opts.mem !== undefined ? { mem: opts.mem } : {}),
			...(opts.gpu ? { gpu: opts.gpu } : {}),
			...(opts.net ? { net: opts.net } : {}),
		};
		if (opts.autoinstall !== undefined) {
			const file = join(dir, 'install.conf');
			writeFileSync(file, opts.autoinstall, { mode: 0o600 });
			raw.autoinstall = file;
			if (opts.setsFromCache) raw.autoinstallSets = join(imageCacheRoot(), opts.from, opts.arch ?? DEFAULT_ARCH);
		}
		const spec = parseSpec(raw, opts.name, 'create');
		writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec, null, 2) + '\n', { mode: 0o600 });
		return { dir, spec, media: mediaPath, disk: disk.path };
	} catch (err) {
		if (!existed) rmSync(dir, { recursive: true, force: true });
		throw err;
	}
}
