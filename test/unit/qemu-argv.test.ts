import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/common/spec.ts';
import { UserError } from '../../src/common/errors.ts';
import type { HostInfo } from '../../src/helper/accel.ts';
import { firmwareCandidates, findQemu, qemuArgv, qemuBinary } from '../../src/helper/qemu.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-qemu-argv-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function touch(name: string, mode = 0o644): string {
	const p = join(dir, name);
	writeFileSync(p, 'x');
	chmodSync(p, mode);
	return p;
}

mkdirSync(join(dir, 'bin'));
const qemu = touch('bin/qemu-system-aarch64', 0o755);
const kernel = touch('Image');
const initrd = touch('initramfs.cpio.gz');
const diskRaw = touch('disk.img');
const diskQcow = touch('root,1.qcow2');
const firmware = touch('QEMU_EFI.fd');
const vm = join(dir, 'vms', 't1');
const env = { OBSDTUI_QEMU: qemu, PATH: '' };
const x86: HostInfo = { platform: 'linux', arch: 'x64', kvmUsable: true };

const head = (accel: string, cpu: string, machine = 'virt,acpi=off', smp = '2', mem = '1024', name = 't1', wire: string[] = []) => [
	'qemu', '-T', 'raw', '-L', '4294967296', '-s', `${vm}/console.sock`, ...wire, '--', qemu,
	'-name', name, '-nodefaults', '-no-user-config', '-display', 'none',
	'-M', machine, '-accel', accel, '-cpu', cpu, '-smp', smp, '-m', mem,
	'-chardev', `socket,id=qmp0,path=${vm}/qmp.sock,server=on,wait=off`, '-mon', 'chardev=qmp0,mode=control',
	'-chardev', `socket,id=ser0,path=${vm}/console.sock,server=on,wait=on`, '-serial', 'chardev:ser0',
];

test('kernel boot with an MTU on a user network, under TCG on an x86 host', async () => {
	const spec = parseSpec({ name: 't1', kernel, initrd, append: 'console=ttyAMA0', net: { mtu: 9000, mac: '52:54:00:12:34:56' } });
	assert.deepEqual(await qemuArgv(spec, vm, { env, host: x86 }), [
		...head('tcg', 'cortex-a72'),
		'-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyAMA0',
		'-netdev', 'user,id=n0',
		'-device', 'virtio-net-pci,netdev=n0,id=net0,mac=52:54:00:12:34:56,host_mtu=9000,romfile=',
	]);
});

test('EFI firmware file, two disks, observe network, GPU, extra args, KVM on arm64 Linux', async () => {
	const spec = parseSpec({
		name: 't1', efi: firmware, cpus: 4, mem: 2048,
		disks: [{ path: diskRaw, readonly: true }, diskQcow],
		net: { mode: 'observe', mac: '52:54:00:aa:bb:cc' },
		gpu: '1280x800',
		qemuArgs: ['-no-reboot'],
	});
	const host: HostInfo = { platform: 'linux', arch: 'arm64', kvmUsable: true };
	assert.deepEqual(await qemuArgv(spec, vm, { env, host }), [
		// The helper owns the host end of the observe network's wire.
		...head('kvm', 'host', 'virt,acpi=off', '4', '2048', 't1', ['-n', `${vm}/net.sock`, '-r', `${vm}/vm-net.sock`]),
		'-bios', firmware,
		'-drive', `file=${diskRaw},format=raw,if=none,id=disk0,readonly=on`, '-device', 'virtio-blk-pci,drive=disk0,id=blk0,bootindex=0',
		// A comma in a QEMU option value is written twice.
		'-drive', `file=${dir}/root,,1.qcow2,format=qcow2,if=none,id=disk1`, '-device', 'virtio-blk-pci,drive=disk1,id=blk1,bootindex=1',
		'-netdev', `dgram,id=n0,local.type=unix,local.path=${vm}/vm-net.sock,remote.type=unix,remote.path=${vm}/net.sock`,
		'-device', 'virtio-net-pci,netdev=n0,id=net0,mac=52:54:00:aa:bb:cc,romfile=',
		'-device', 'virtio-gpu-pci,id=gpu0,xres=1280,yres=800',
		// The framebuffer and keyboard over VNC, on a unix socket only.
		'-vnc', `unix:${vm}/vnc.sock`, '-device', 'qemu-xhci,id=usb0', '-device', 'usb-kbd,bus=usb0.0',
		'-no-reboot',
	]);
});

test('efi: true takes the first firmware that exists; ACPI on; no network; HVF with 4 GB keeps highmem', async () => {
	const spec = parseSpec({ name: 't1', efi: true, acpi: true, mem: 4096, net: { mode: 'none' } });
	const host: HostInfo = { platform: 'darwin', arch: 'arm64', kvmUsable: false };
	assert.deepEqual(await qemuArgv(spec, vm, { env, host, firmware: [join(dir, 'nope.fd'), firmware] }), [
		...head('hvf', 'host', 'virt', '2', '4096'),
		'-bios', firmware,
	]);
});

test('HVF with up to 3 GB of memory turns highmem off; spec.cpu overrides the model', async () => {
	const spec = parseSpec({ name: 'mac', kernel, cpu: 'max', net: { mode: 'none' } });
	const host: HostInfo = { platform: 'darwin', arch: 'arm64', kvmUsable: false };
	assert.deepEqual(await qemuArgv(spec, join(dir, 'vms', 't1'), { env, host }), [
		...head('hvf', 'max', 'virt,acpi=off,highmem=off', '2', '1024', 'mac'),
		'-kernel', kernel,
	]);
});

async function userError(p: Promise<unknown>, re: RegExp): Promise<void> {
	await assert.rejects(p, (e: unknown) => {
		assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
		assert.match(e.message, re);
		assert.doesNotMatch(e.message, /\n/);
		return true;
	});
}

test('missing files are named in a one-line UserError', async () => {
	const missing = join(dir, 'no-such-Image');
	await userError(qemuArgv(parseSpec({ name: 't1', kernel: missing }), vm, { env, host: x86 }), new RegExp(`kernel .*${missing}`));
	await userError(
		qemuArgv(parseSpec({ name: 't1', kernel, initrd: join(dir, 'no-initrd') }), vm, { env, host: x86 }),
		/initrd .*no-initrd/,
	);
	await userError(qemuArgv(parseSpec({ name: 't1', disk: join(dir, 'no.img') }), vm, { env, host: x86 }), /disk .*no\.img/);
	await userError(
		qemuArgv(parseSpec({ name: 't1', efi: true }), vm, { env, host: x86, firmware: [join(dir, 'none.fd')] }),
		/no AArch64 UEFI firmware found \(Debian\/Ubuntu: apt-get install qemu-efi-aarch64/,
	);
});

test('a missing qemu says how to install it', async () => {
	const spec = parseSpec({ name: 't1', kernel });
	await userError(
		qemuArgv(spec, vm, { env: { PATH: join(dir, 'empty') }, host: x86 }),
		/^qemu-system-aarch64 not found \(Debian\/Ubuntu: apt-get install qemu-system-arm qemu-efi-aarch64 qemu-utils; macOS: brew install qemu\)$/,
	);
	assert.throws(() => qemuBinary({ OBSDTUI_QEMU: join(dir, 'Image') }), /OBSDTUI_QEMU=.*not an executable/);
	assert.equal(findQemu({ PATH: `${join(dir, 'empty')}:${join(dir, 'bin')}` }), qemu);
});

test('a socket path too long for sun_path is refused', async () => {
	const deep = join(dir, 'd'.repeat(120));
	await userError(qemuArgv(parseSpec({ name: 't1', kernel }), deep, { env, host: x86 }), /longer than .*OBSDTUI_STATE_DIR/);
});

test('Homebrew firmware beside the qemu binary is a candidate', () => {
	assert.ok(firmwareCandidates(qemu).includes(join(dir, 'share', 'qemu', 'edk2-aarch64-code.fd')));
	assert.equal(firmwareCandidates(null)[0], '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd');
});

test('a non-qemu spec is refused', async () => {
	await userError(qemuArgv(parseSpec({ name: 't1', command: 'cat' }), vm, { env, host: x86 }), /exec backend/);
});
