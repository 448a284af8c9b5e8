import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSpecPaths } from '../../src/cli/up.ts';

test('paths in a spec file are relative to the file', () => {
	const raw: Record<string, unknown> = { kernel: 'Image', initrd: '/abs/initrd', efi: 'fw/QEMU_EFI.fd', disks: ['a.img', { path: 'b.qcow2', format: 'qcow2' }] };
	resolveSpecPaths(raw, '/vms/obsd');
	assert.deepEqual(raw, {
		kernel: '/vms/obsd/Image',
		initrd: '/abs/initrd',
		efi: '/vms/obsd/fw/QEMU_EFI.fd',
		disks: ['/vms/obsd/a.img', { path: '/vms/obsd/b.qcow2', format: 'qcow2' }],
	});
});
