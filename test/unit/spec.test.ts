import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, parseNetFlag, macForName, logMaxBytes } from '../../src/common/spec.ts';
import { UserError } from '../../src/common/errors.ts';

test('a minimal qemu spec gets the documented defaults', () => {
	const s = parseSpec({ kernel: '/k', initrd: '/i' }, 't1');
	assert.equal(s.name, 't1');
	assert.equal(s.backend, 'qemu');
	assert.equal(s.cpus, 2);
	assert.equal(s.mem, 1024);
	assert.equal(s.cols, 80);
	assert.equal(s.rows, 24);
	assert.equal(s.hang, 60);
	assert.equal(s.logMax, 4096);
	assert.equal(s.acpi, false);
	assert.deepEqual(s.net, { mode: 'user', mac: macForName('t1') });
});

test('logMax is MiB; the helper gets bytes, up to 1 TiB', () => {
	assert.equal(logMaxBytes(parseSpec({ command: 'cat', logMax: 1 }, 'e')), 1048576);
	assert.equal(logMaxBytes(parseSpec({ command: 'cat', logMax: 1048576 }, 'e')), 1099511627776);
});

test('backend is inferred from command and serial', () => {
	assert.equal(parseSpec({ command: 'cat' }, 'e').backend, 'exec');
	assert.equal(parseSpec({ serial: '/dev/ttyUSB0' }, 's').serial?.speed, 115200);
});

test('malformed specs give one clear line naming the problem', () => {
	const cases: [unknown, RegExp][] = [
		[[], /must be a JSON object/],
		[{ kernal: '/k' }, /unknown key 'kernal'/],
		[{ kernel: '/k', cpus: 0 }, /'cpus' must be a whole number from 1 to 64/],
		[{ kernel: '/k', net: { mtu: 70000 } }, /'mtu' must be a whole number from 68 to 65535/],
		[{ kernel: '/k', gpu: '12x8' }, /gpu size must look like 1280x800/],
		[{ backend: 'exec' }, /backend exec needs 'command'/],
		[{}, /needs a kernel, EFI firmware or a disk/],
		[{ initrd: '/i', efi: true }, /'initrd' needs 'kernel'/],
		[{ name: '../etc', kernel: '/k' }, /invalid name/],
		[{ kernel: '/k', logMax: 0 }, /'logMax' must be a whole number from 1 to 1048576, not 0/],
		[{ kernel: '/k', logMax: 1048577 }, /'logMax' must be a whole number from 1 to 1048576/],
		[{ kernel: '/k', logMax: 1.5 }, /'logMax' must be a whole number/],
		[{ kernel: '/k', logMax: '64' }, /'logMax' must be a whole number/],
	];
	for (const [input, re] of cases) {
		assert.throws(() => parseSpec(input, 'x'), (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'));
	}
});

test('--net flag text', () => {
	assert.equal(parseNetFlag('mtu=9000', 'a').mtu, 9000);
	assert.equal(parseNetFlag('observe,mtu=1500', 'a').mode, 'observe');
	assert.throws(() => parseNetFlag('mtu=big', 'a'), /mtu must be a number/);
	assert.throws(() => parseNetFlag('bogus', 'a'), /unknown option 'bogus'/);
});

test('disks without a kernel boot through UEFI unless efi is false', () => {
	assert.equal(parseSpec({ disks: ['/d.img'] }, 'o').efi, true);
	assert.equal(parseSpec({ disks: ['/d.img'], efi: '/fw.fd' }, 'o').efi, '/fw.fd');
	assert.throws(() => parseSpec({ disks: ['/d.img'], efi: false }, 'o'), /disks boot through UEFI firmware: 'efi' cannot be false/);
});
