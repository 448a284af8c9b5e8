import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/common/errors.ts';
import { chooseAccel, type HostInfo } from '../../src/helper/accel.ts';

const mac: HostInfo = { platform: 'darwin', arch: 'arm64', kvmUsable: false };
const intelMac: HostInfo = { platform: 'darwin', arch: 'x64', kvmUsable: false };
const armLinux: HostInfo = { platform: 'linux', arch: 'arm64', kvmUsable: true };
const armLinuxNoKvm: HostInfo = { platform: 'linux', arch: 'arm64', kvmUsable: false };
// An x86 Linux host with /dev/kvm: KVM there cannot run an arm64 guest.
const x86Linux: HostInfo = { platform: 'linux', arch: 'x64', kvmUsable: true };

test('auto picks hardware acceleration only where it can run arm64', () => {
	assert.deepEqual(
		[mac, intelMac, armLinux, armLinuxNoKvm, x86Linux].map((h) => {
			const { accel, cpu } = chooseAccel({ accel: 'auto' }, h);
			return [accel, cpu];
		}),
		[['hvf', 'host'], ['tcg', 'cortex-a72'], ['kvm', 'host'], ['tcg', 'cortex-a72'], ['tcg', 'cortex-a72']],
	);
});

test('the reason names what was missing', () => {
	assert.match(chooseAccel({ accel: 'auto' }, armLinuxNoKvm).why, /\/dev\/kvm/);
	assert.match(chooseAccel({ accel: 'auto' }, x86Linux).why, /linux\/x64 .*emulating/);
	assert.match(chooseAccel({ accel: 'auto' }, mac).why, /Apple silicon/);
});

test('spec.cpu overrides the default model, spec.accel tcg forces emulation', () => {
	assert.deepEqual(chooseAccel({ accel: 'tcg', cpu: 'max' }, armLinux), { accel: 'tcg', cpu: 'max', why: 'tcg requested in the spec' });
	assert.equal(chooseAccel({ accel: 'auto', cpu: 'cortex-a57' }, armLinux).cpu, 'cortex-a57');
});

test('an accelerator the host cannot provide is a UserError, not a QEMU failure later', () => {
	assert.throws(() => chooseAccel({ accel: 'kvm' }, x86Linux), (e: unknown) => e instanceof UserError && /arm64 Linux host/.test(e.message));
	assert.throws(() => chooseAccel({ accel: 'kvm' }, armLinuxNoKvm), (e: unknown) => e instanceof UserError && /kvm group/.test(e.message));
	assert.throws(() => chooseAccel({ accel: 'hvf' }, x86Linux), (e: unknown) => e instanceof UserError && /Apple silicon/.test(e.message));
	assert.equal(chooseAccel({ accel: 'kvm' }, armLinux).accel, 'kvm');
	assert.equal(chooseAccel({ accel: 'hvf' }, mac).accel, 'hvf');
});
