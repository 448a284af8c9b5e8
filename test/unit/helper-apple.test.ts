import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/common/spec.ts';
import { UserError } from '../../src/common/errors.ts';
import { appleArgv, appleHelperBinary, appleHelperBinaryPath, type AppleHost } from '../../src/helper/apple.ts';
import { parseHello } from '../../src/helper/protocol.ts';
import { spawnHelper } from '../../src/helper/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-apple-argv-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function file(name: string, size: number, mode = 0o644): string {
	const p = join(dir, name);
	writeFileSync(p, Buffer.alloc(size));
	chmodSync(p, mode);
	return p;
}

const helper = file('obsdtui-vz-helper', 4, 0o755);
const disk = file('disk.img', 8 * 512);
const miniroot = file('miniroot79.img', 4 * 512, 0o444);
const odd = file('odd.img', 1000);
const qcow = file('disk.qcow2', 512);
const kernel = file('Image', 4096);
const vm = join(dir, 'vms', 'a1');
const mac: AppleHost = { platform: 'darwin', arch: 'arm64', release: '24.6.0' };
const opts = { host: mac, helper };

const spec = (o: Record<string, unknown>) => parseSpec({ backend: 'apple', ...o }, 'a1');

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
	await assert.rejects(p, (err: unknown) => {
		assert.ok(err instanceof UserError, `not a UserError: ${String(err)}`);
		assert.match(err.message, re);
		assert.ok(!err.message.includes('\n'), 'one line');
		return true;
	});
}

test('a UEFI boot from a disk: the helper gets the spec file, nothing else', async () => {
	assert.deepEqual(await appleArgv(spec({ disks: [disk, { path: miniroot, readonly: true }], gpu: '1280x800' }), vm, opts), [
		'apple', '-L', '4294967296', '-s', `${vm}/spec.json`,
	]);
});

test('an observe network passes the wire sockets, like the qemu backend', async () => {
	assert.deepEqual(await appleArgv(spec({ disks: [disk], net: { mode: 'observe', mtu: 9000 } }), vm, opts), [
		'apple', '-L', '4294967296', '-s', `${vm}/spec.json`, '-n', `${vm}/net.sock`, '-r', `${vm}/vm-net.sock`,
	]);
	// The ends of the VZ range are valid.
	assert.equal((await appleArgv(spec({ disks: [disk], net: { mode: 'observe', mtu: 1500 } }), vm, opts)).length, 9);
	assert.equal((await appleArgv(spec({ disks: [disk], net: { mode: 'observe', mtu: 65535 } }), vm, opts)).length, 9);
});

test('a kernel boot needs no disk', async () => {
	assert.deepEqual(await appleArgv(spec({ kernel, append: 'console=hvc0' }), vm, opts), ['apple', '-L', '4294967296', '-s', `${vm}/spec.json`]);
});

test('not macOS on Apple silicon, or older than macOS 13, is one user error', async () => {
	const want = /^the apple backend needs macOS 13 or newer with Apple silicon$/;
	const s = spec({ disks: [disk] });
	await rejects(appleArgv(s, vm, { helper, host: { platform: 'linux', arch: 'arm64', release: '6.1.0' } }), want);
	await rejects(appleArgv(s, vm, { helper, host: { platform: 'darwin', arch: 'x64', release: '24.6.0' } }), want);
	// Darwin 21 is macOS 12.
	await rejects(appleArgv(s, vm, { helper, host: { platform: 'darwin', arch: 'arm64', release: '21.6.0' } }), want);
	await rejects(appleArgv(s, vm, { helper, host: { platform: 'darwin', arch: 'arm64', release: '' } }), want);
});

test('a helper that is not built is a user error that says how to build it', async () => {
	await rejects(appleArgv(spec({ disks: [disk] }), vm, { host: mac, helper: join(dir, 'missing') }), /helper is not built .*missing.*xcode-select --install.*npm install/);
	// Present but not executable: a failed build or a copy without modes.
	await rejects(appleArgv(spec({ disks: [disk] }), vm, { host: mac, helper: disk }), /helper is not built/);
	assert.throws(() => appleHelperBinary(join(dir, 'missing')), UserError);
	assert.equal(appleHelperBinary(helper), helper);
	assert.match(appleHelperBinaryPath(), /\/native\/apple\/obsdtui-vz-helper$/);
});

test('qcow2 disks are refused with the conversion command', async () => {
	await rejects(appleArgv(spec({ disks: [qcow] }), vm, opts), /raw disk images only \(qemu-img convert -O raw .*disk\.qcow2 disk\.img\)/);
	await rejects(appleArgv(spec({ disks: [{ path: disk, format: 'qcow2' }] }), vm, opts), /raw disk images only/);
});

test('a disk whose size is not a multiple of 512 is refused', async () => {
	await rejects(appleArgv(spec({ disks: [odd] }), vm, opts), /odd\.img is 1000 bytes: .*multiple of 512/);
});

test('missing and read-only disks', async () => {
	await rejects(appleArgv(spec({ disks: [join(dir, 'nope.img')] }), vm, opts), /disk not found or not readable: .*nope\.img/);
	if (process.getuid?.() !== 0) {
		await rejects(appleArgv(spec({ disks: [miniroot] }), vm, opts), /miniroot79\.img is not writable by us/);
	}
});

test('an MTU outside 1500..65535 is refused; an MTU on the NAT network too', async () => {
	for (const mtu of [68, 1499]) {
		await rejects(appleArgv(spec({ disks: [disk], net: { mode: 'observe', mtu } }), vm, opts), new RegExp(`^net mtu ${mtu}: Apple Virtualization takes an MTU from 1500 to 65535$`));
	}
	await rejects(appleArgv(spec({ disks: [disk], net: { mtu: 9000 } }), vm, opts), /user network \(VZ NAT\) has no MTU setting; use --net observe,mtu=9000/);
});

test('boot settings that make no sense under VZ are refused', async () => {
	await rejects(appleArgv(spec({ disks: [disk], efi: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' }), vm, opts), /Apple's own UEFI firmware/);
	await rejects(appleArgv(spec({ disks: [disk], efi: false }), vm, opts), /'efi' cannot be false/);
	await rejects(appleArgv(spec({ kernel, efi: true }), vm, opts), /either a kernel or UEFI, not both/);
	await rejects(appleArgv(spec({}), vm, opts), /needs a disk to boot from/);
	await rejects(appleArgv(spec({ disks: [disk], qemuArgs: ['-s'] }), vm, opts), /'qemuArgs' are for the qemu backend/);
	await rejects(appleArgv(parseSpec({ disks: [disk] }, 'q1'), vm, opts), /uses the qemu backend, not apple/);
});

test('a socket path too long for macOS is refused', async () => {
	const deep = join(dir, 'x'.repeat(90), 'a1');
	await rejects(appleArgv(spec({ disks: [disk], net: { mode: 'observe' } }), deep, opts), /longer than 103 bytes/);
});

test('the daemon accepts the Swift helper\'s hello', () => {
	const hello = {
		protocol: 1, helper_pid: 10, child_pid: null, source: 'apple', boot: 2,
		log: '/s/vms/a1/boot.002.log', log_size: 0, started_ms: 1795310285965, running: true,
	};
	assert.equal(parseHello(Buffer.from(JSON.stringify(hello))).source, 'apple');
});

test('spawnHelper runs the given binary with -d VMDIR -b BOOT and the apple argv', async () => {
	// A stand-in helper that records its argv and ends at once (spawnHelper's "done" path).
	const vmDir = join(dir, 'vms', 'spawned');
	mkdirSync(vmDir, { recursive: true });
	const fake = join(dir, 'fake-vz-helper');
	writeFileSync(fake, '#!/bin/sh\nprintf "%s\\n" "$@" > "$2/argv"\n', { mode: 0o755 });
	await spawnHelper({ vmDir, boot: 3, argv: ['apple', '-s', join(vmDir, 'spec.json')], binary: fake });
	assert.deepEqual(readFileSync(join(vmDir, 'argv'), 'utf8').split('\n'), ['-d', vmDir, '-b', '3', 'apple', '-s', join(vmDir, 'spec.json'), '']);
});
