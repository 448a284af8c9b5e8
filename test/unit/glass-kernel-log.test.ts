// Under Apple's Virtualization framework the kernel's messages are only on the glass: when
// a VM's serial log has no kernel output, `dmesg` and `report` read the glass stream of the
// same boot (and say so), and `report --bundle` carries both consoles.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Sandbox, ROOT } from '../helpers/cli.ts';

const sb = new Sandbox('otk');
after(() => sb.cleanup());

// The glass stream as the daemon writes it: text lines (this transcript is what the
// kernel drew), without the fixture's source line.
const glass = readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', 'arm64-qemu-virt-7.4-installer-boot.txt'), 'utf8').split('\n').slice(1).join('\n');

function vm(name: string, serial: string): string {
	const dir = sb.vmDir(name);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	writeFileSync(join(dir, 'spec.json'), JSON.stringify({ name, backend: 'apple', gpu: { width: 1280, height: 800 } }));
	writeFileSync(join(dir, 'boot.001.log'), serial);
	writeFileSync(join(dir, 'boot.001.glass'), glass);
	return dir;
}

test('dmesg and report take the kernel from the glass when the serial line has none', async () => {
	vm('vz1', 'OpenBSD/arm64 (vz1.my.domain) (ttyVI00)\r\n\r\nlogin: ');
	const r = await sb.run(['dmesg', 'vz1']);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /the serial console has no kernel output; reading the glass console/);
	// dmesg.boot starts at the kernel's copyright and holds its autoconf lines (read off the transcript).
	assert.match(r.stdout, /^Copyright \(c\) 1982, 1986, 1989, 1991, 1993\n/);
	assert.match(r.stdout, /\nOpenBSD 7\.4 \(RAMDISK\) #2131: Sun Oct {2}8 13:35:40 MDT 2023\n/);
	assert.match(r.stdout, /\nmainbus0 at root: linux,dummy-virt\n/);
	assert.match(r.stdout, /\nroot on rd0a swap on rd0b dump on rd0b\n/);
	const rep = await sb.run(['report', 'vz1', '--bundle', '-o', join(sb.dir, 'vz1.txt')]);
	assert.equal(rep.code, 0, rep.stderr);
	assert.match(readFileSync(join(sb.dir, 'vz1.txt'), 'utf8'), /OpenBSD 7\.4 \(RAMDISK\)/);
	const tar = spawnSync('tar', ['tzf', join(sb.dir, 'vz1.tar.gz')], { encoding: 'utf8' });
	assert.match(tar.stdout, /\/boot\.001\.log\n/);
	assert.match(tar.stdout, /\/boot\.001\.glass\n/);
});

test('a serial log with a kernel is still the one read, glass or not', async () => {
	const serial = readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', 'arm64-hw-rpi3-6.7-beta-dmesg.txt'), 'utf8').split('\n').slice(1).join('\n');
	vm('q1', serial);
	const r = await sb.run(['dmesg', 'q1']);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stderr, '');
	assert.doesNotMatch(r.stdout, /RAMDISK\) #2131/);
	assert.match(r.stdout, /^OpenBSD 6\.7-beta/m);
});
