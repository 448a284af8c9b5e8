#!/usr/bin/env node
// Builds the arm64 test guest from Debian's packages, once, and caches it:
//   a Linux `Image` (Debian's arm64 vmlinuz is an uncompressed Image) and a gzip'd newc
//   initramfs with busybox-static, the virtio modules, rootfs/ (init, lines, blank) and
//   the FIXTURES below in /root/fixtures/.
// `node test/guest/build.mjs` prints {"kernel","initrd","append",...} as JSON on stdout;
// progress goes to stderr. The cache key is a hash of this directory's sources and the
// two package versions, so a change to either rebuilds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = process.env.OBSDTUI_GUEST_CACHE || join(here, 'cache');
const rootfs = join(here, 'rootfs');
// Saved OpenBSD console logs the e2e tests print inside the guest (`cat /root/fixtures/F`):
// crash text shown by a shell must not look like a crash of the guest.
const fixturesDir = join(here, '..', 'fixtures', 'openbsd');
const FIXTURES = ['amd64-panic-fatal_page_fault-dovutimens.txt'];
// A console font for the glass tests (`zcat ... | loadfont` in the guest): Debian's Spleen
// 8x16, kept in the repo so the guest does not need the host's fonts-spleen. Only the PSF1
// size: busybox loadfont rejects Spleen's PSF2 files ("unsupported font type").
const fonts = join(here, '..', 'fixtures', 'fonts');
const FONTS = ['spleen-8x16.psfu.gz'];

// Debian builds these as modules; insmod order matters (no modprobe, no modules.dep).
const MODULES = [
	'drivers/virtio/virtio_mmio', 'drivers/virtio/virtio_pci_legacy_dev', 'drivers/virtio/virtio_pci_modern_dev',
	'drivers/virtio/virtio_pci', 'drivers/block/virtio_blk', 'net/core/failover', 'drivers/net/net_failover',
	'drivers/net/virtio_net', 'drivers/virtio/virtio_dma_buf', 'drivers/gpu/drm/drm', 'drivers/gpu/drm/drm_kms_helper',
	'drivers/gpu/drm/drm_shmem_helper', 'drivers/gpu/drm/virtio/virtio-gpu',
	// The USB keyboard QEMU adds with a GPU (VNC key events reach tty1 through it).
	'drivers/usb/common/usb-common', 'drivers/usb/core/usbcore', 'drivers/usb/host/xhci-hcd', 'drivers/usb/host/xhci-pci',
	'drivers/hid/hid', 'drivers/hid/usbhid/usbhid', 'drivers/hid/hid-generic',
];
// console=ttyAMA0 last: it becomes /dev/console, where init's shell and messages go.
const APPEND = 'console=tty1 console=ttyAMA0';

const log = (msg) => process.stderr.write(`guest: ${msg}\n`);

function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
	if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
	return r.stdout;
}

function asRoot(cmd, args) {
	if (process.getuid?.() === 0) return run(cmd, args);
	return run('sudo', ['-n', cmd, ...args]);
}

function have(cmd) {
	return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureArm64() {
	const foreign = run('dpkg', ['--print-foreign-architectures']).split('\n');
	if (foreign.includes('arm64')) return false;
	log('dpkg --add-architecture arm64');
	asRoot('dpkg', ['--add-architecture', 'arm64']);
	return true;
}

function aptUpdate() {
	log('apt-get update');
	asRoot('apt-get', ['update', '-q']);
}

function versionKey(name) {
	// linux-image-6.1.0-56-arm64-unsigned -> [6, 1, 0, 56]
	return name.match(/\d+/g).map(Number);
}

function newestKernelPackage() {
	const out = run('apt-cache', ['pkgnames', 'linux-image-']);
	const names = out.split('\n').filter((n) => /^linux-image-[0-9.]+-[0-9]+-arm64-unsigned$/.test(n));
	names.sort((a, b) => {
		const x = versionKey(a), y = versionKey(b);
		for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
		return 0;
	});
	return names.at(-1);
}

function candidateVersions(pkgs) {
	const out = run('apt-cache', ['show', '--no-all-versions', ...pkgs]);
	const versions = new Map();
	for (const stanza of out.split('\n\n')) {
		const p = /^Package: (.+)$/m.exec(stanza)?.[1];
		const v = /^Version: (.+)$/m.exec(stanza)?.[1];
		if (p && v) versions.set(p, v);
	}
	return versions;
}

// apt-cache takes seconds per call here; the answer only changes when the lists do.
function listsStamp() {
	const dir = '/var/lib/apt/lists';
	const lists = readdirSync(dir).filter((f) => f.includes('binary-arm64_Packages')).sort();
	return lists.map((f) => `${f}:${statSync(join(dir, f)).mtimeMs}`).join('\n');
}

function lookUp() {
	const kernel = newestKernelPackage();
	if (!kernel) return null;
	const v = candidateVersions([`${kernel}:arm64`, 'busybox-static:arm64']);
	const kv = v.get(kernel), bv = v.get('busybox-static');
	if (!kv || !bv) return null;
	return { kernel: `${kernel}:arm64`, kernelVersion: kv, busybox: 'busybox-static:arm64', busyboxVersion: bv };
}

function resolvePackages() {
	let updated = ensureArm64();
	if (updated) aptUpdate();
	const memo = join(cacheDir, 'packages.json');
	const stamp = listsStamp();
	try {
		const m = JSON.parse(readFileSync(memo, 'utf8'));
		if (m.stamp === stamp && stamp) return m.pkgs;
	} catch {
		// no memo yet
	}
	for (;;) {
		const pkgs = lookUp();
		if (pkgs) {
			writeFileSync(memo, JSON.stringify({ stamp: listsStamp(), pkgs }) + '\n');
			return pkgs;
		}
		if (updated) throw new Error('no linux-image-*-arm64-unsigned or busybox-static:arm64 in the apt lists, even after apt-get update');
		aptUpdate();
		updated = true;
	}
}

function sourceFiles(dir) {
	const files = [];
	for (const e of readdirSync(dir, { withFileTypes: true })) {
		const p = join(dir, e.name);
		if (e.isDirectory()) files.push(...sourceFiles(p));
		else files.push(p);
	}
	return files.sort();
}

function cacheKey(pkgs) {
	const h = createHash('sha256');
	for (const f of [fileURLToPath(import.meta.url), ...sourceFiles(rootfs), ...FIXTURES.map((x) => join(fixturesDir, x)), ...FONTS.map((x) => join(fonts, x))]) {
		h.update(relative(here, f)).update('\0').update(readFileSync(f)).update('\0');
		h.update(String(statSync(f).mode & 0o111));
	}
	h.update(JSON.stringify(pkgs));
	return h.digest('hex').slice(0, 16);
}

// cpio "newc": 110-byte ASCII header, name, file data, each padded to 4 bytes.
class Cpio {
	parts = [];
	ino = 1;

	add(name, mode, data = Buffer.alloc(0), rdev = [0, 0]) {
		const nameBuf = Buffer.from(name + '\0');
		const fields = [this.ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0];
		const head = Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''), 'ascii');
		this.parts.push(head, nameBuf, Buffer.alloc((4 - ((head.length + nameBuf.length) % 4)) % 4));
		this.parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
	}
	dir(name) { this.add(name, 0o040755); }
	file(name, data, perm = 0o644) { this.add(name, 0o100000 | perm, data); }
	symlink(name, target) { this.add(name, 0o120777, Buffer.from(target)); }
	chardev(name, major, minor, perm = 0o600) { this.add(name, 0o020000 | perm, undefined, [major, minor]); }
	finish() {
		this.ino = 0;
		this.add('TRAILER!!!', 0);
		return Buffer.concat(this.parts);
	}
}

function buildInitramfs(x, kver) {
	const cpio = new Cpio();
	for (const d of ['bin', 'dev', 'etc', 'lib', 'lib/modules', 'proc', 'root', 'sys', 'tmp']) cpio.dir(d);
	// The kernel opens /dev/console before /init mounts devtmpfs.
	cpio.chardev('dev/console', 5, 1);
	cpio.file('bin/busybox', readFileSync(join(x, 'bin', 'busybox')), 0o755);
	cpio.symlink('bin/sh', 'busybox');
	for (const f of sourceFiles(rootfs)) {
		const rel = relative(rootfs, f);
		cpio.file(rel, readFileSync(f), statSync(f).mode & 0o777);
	}
	cpio.symlink('bin/unblank', 'blank');
	for (const d of ['usr', 'usr/share', 'usr/share/consolefonts']) cpio.dir(d);
	for (const f of FONTS) cpio.file(`usr/share/consolefonts/${f}`, readFileSync(join(fonts, f)));
	cpio.dir('root/fixtures');
	for (const f of FIXTURES) cpio.file(`root/fixtures/${f}`, readFileSync(join(fixturesDir, f)));
	const names = [];
	for (const m of MODULES) {
		const src = join(x, 'lib', 'modules', kver, 'kernel', `${m}.ko`);
		if (!existsSync(src)) throw new Error(`module ${m}.ko missing from the kernel package`);
		const name = m.split('/').at(-1);
		cpio.file(`lib/modules/${name}.ko`, readFileSync(src));
		names.push(name);
	}
	cpio.file('etc/modules', Buffer.from(names.join('\n') + '\n'));
	return gzipSync(cpio.finish(), { level: 6 });
}

/*
 * The Linux kernel's own console font (VGA 8x16, drivers/video/fonts/font_8x16.c) as a
 * PSF1 file, cut out of the kernel image: the glass tests read the kernel's boot messages
 * on tty1 in it before the guest loads Spleen. Found by its 'A' glyph; '0' must follow.
 */
function linuxConsoleFont(image) {
	const A = Buffer.from('000010386cc6c6fec6c6c6c600000000', 'hex');
	const at = image.indexOf(A);
	const base = at - 0x41 * 16;
	if (at < 0 || base < 0 || image.indexOf(A, at + 1) >= 0) throw new Error('the VGA 8x16 font is not in the kernel image exactly once');
	if (image.subarray(base + 0x30 * 16, base + 0x31 * 16).toString('hex') !== '0000386cc6c6d6d6c6c66c3800000000') throw new Error('the kernel image has no VGA 8x16 font where its A is');
	return Buffer.concat([Buffer.from([0x36, 0x04, 0x00, 16]), image.subarray(base, base + 256 * 16)]);
}

function build(pkgs, key) {
	const work = join(cacheDir, `tmp-${key}-${process.pid}`);
	rmSync(work, { recursive: true, force: true });
	mkdirSync(join(work, 'debs'), { recursive: true });
	try {
		const download = () => run('apt-get', ['download', '-q', `${pkgs.kernel}=${pkgs.kernelVersion}`, `${pkgs.busybox}=${pkgs.busyboxVersion}`], { cwd: join(work, 'debs') });
		log(`apt-get download ${pkgs.kernel} ${pkgs.busybox}`);
		try {
			download();
		} catch {
			// A stale list names a .deb the mirror no longer has.
			aptUpdate();
			download();
		}
		const x = join(work, 'x');
		for (const deb of readdirSync(join(work, 'debs'))) run('dpkg-deb', ['-x', join(work, 'debs', deb), x]);
		const vmlinuz = readdirSync(join(x, 'boot')).find((f) => f.startsWith('vmlinuz-'));
		if (!vmlinuz) throw new Error('no boot/vmlinuz-* in the kernel package');
		const kver = vmlinuz.slice('vmlinuz-'.length);
		const out = join(work, 'out');
		mkdirSync(out);
		copyFileSync(join(x, 'boot', vmlinuz), join(out, 'Image'));
		log(`initramfs for ${kver}`);
		writeFileSync(join(out, 'initramfs.cpio.gz'), buildInitramfs(x, kver));
		writeFileSync(join(out, 'linux-vga8x16.psf'), linuxConsoleFont(readFileSync(join(out, 'Image'))));
		writeFileSync(join(out, 'info.json'), JSON.stringify({ ...pkgs, kver }, null, '\t') + '\n');
		const final = join(cacheDir, key);
		try {
			renameSync(out, final);
		} catch (err) {
			// Another build finished first: its result is as good as ours.
			if (!existsSync(join(final, 'info.json'))) throw err;
		}
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

function result(key) {
	const dir = join(cacheDir, key);
	const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
	return { kernel: join(dir, 'Image'), initrd: join(dir, 'initramfs.cpio.gz'), append: APPEND, kver: info.kver, key, linuxFont: join(dir, 'linux-vga8x16.psf') };
}

function main() {
	for (const tool of ['dpkg', 'apt-get', 'apt-cache', 'dpkg-deb']) {
		if (!have(tool)) throw new Error(`building the test guest needs Debian's ${tool} (apt); none here`);
	}
	mkdirSync(cacheDir, { recursive: true });
	const pkgs = resolvePackages();
	const key = cacheKey(pkgs);
	if (!existsSync(join(cacheDir, key, 'info.json'))) {
		const started = Date.now();
		build(pkgs, key);
		log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		// Old guests are 30+ MB each; keep only the current one.
		for (const e of readdirSync(cacheDir)) if (e !== key && e !== 'packages.json' && !e.startsWith('tmp-')) rmSync(join(cacheDir, e), { recursive: true, force: true });
	}
	process.stdout.write(JSON.stringify(result(key)) + '\n');
}

try {
	main();
} catch (err) {
	process.stderr.write(`guest: ${err.message}\n`);
	process.exit(1);
}
