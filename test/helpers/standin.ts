// A STAND-IN for an OpenBSD miniroot, for tests only: no OpenBSD image can be had here, so
// the e2e tests serve this in its place. Like a miniroot it is a raw disk image that UEFI
// firmware boots on its own, but it holds the Linux test guest: a FAT file system (no
// partition table, as a "superfloppy") with Debian's arm64 kernel, which is an EFI stub,
// its initramfs, and a startup.nsh that the firmware's UEFI shell runs:
//   fs0:\linux.efi initrd=\initrd.gz <the guest's command line>
// It first prints STANDIN_BANNER, so a test can tell this image booted. Built with mtools
// (mkfs.vfat and mcopy, no root needed).
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import type { TestGuest } from './guest.ts';

export const STANDIN_BANNER = 'OBSDTUI stand-in miniroot (the Linux test guest, not OpenBSD)';

export function haveMtools(): boolean {
	return spawnSync('mcopy', ['-V'], { stdio: 'ignore' }).status === 0 && spawnSync('mkfs.vfat', ['--help'], { stdio: 'ignore' }).error === undefined;
}

export function buildStandIn(guest: TestGuest, out: string, append: string): void {
	const kib = Math.ceil((statSync(guest.kernel).size + statSync(guest.initrd).size) / 1024) + 4096;
	execFileSync('mkfs.vfat', ['-C', '-n', 'STANDIN', out, String(kib)], { stdio: 'ignore' });
	execFileSync('mcopy', ['-i', out, guest.kernel, '::/linux.efi']);
	execFileSync('mcopy', ['-i', out, guest.initrd, '::/initrd.gz']);
	const nsh = `${out}.nsh`;
	writeFileSync(nsh, `echo ${STANDIN_BANNER}\r\nfs0:\\linux.efi initrd=\\initrd.gz ${append}\r\n`);
	execFileSync('mcopy', ['-i', out, nsh, '::/startup.nsh']);
}
