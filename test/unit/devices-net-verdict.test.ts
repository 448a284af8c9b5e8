// Verdict rules on real OpenBSD console lines (test/fixtures/, copied from the shared
// fixtures) and on the 2026 vio(4) r1.78 lines constructed from its format strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scanBytes } from '../../src/guest/index.ts';
import { guestVio, guestViogpu, latestDevices, type VioFacts } from '../../src/devices/guest.ts';
import { netVerdict, effectiveMtu } from '../../src/devices/net-verdict.ts';
import { gpuFailureRate } from '../../src/devices/screen.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

// The guest parser reads the console text; only the fields the verdict uses are compared.
function vioOf(text: string): VioFacts[] {
	const d = guestVio(latestDevices(scanBytes(Buffer.from(text + '\n'))));
	if (!d) return [];
	const { name, address, mtu, mtuNotSupported, negotiationFailed } = d;
	return [Object.fromEntries(Object.entries({ name, address, mtu, mtuNotSupported, negotiationFailed }).filter(([, v]) => v !== undefined)) as VioFacts];
}

// The issue excerpt quotes console lines as markdown list items in backticks.
function excerptLines(md: string): string {
	return [...md.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join('\n');
}

test('Apple VZ, pre-2026 kernel: Feature negotiation failed', () => {
	const vio = vioOf(excerptLines(fixture('arm64-apple-vz-pre2026-attach-failures-issue-excerpt.txt')));
	assert.deepEqual(vio, [{ name: 'vio0', negotiationFailed: true }]);
	const v = netVerdict({ guest: vio[0] });
	assert.equal(v.code, 'negotiation-failed');
	assert.match(v.text, /negotiation failed/);
	// QMP is not available under Apple VZ: the guest line alone decides.
	assert.equal(netVerdict({ guest: vio[0], host: undefined }).code, 'negotiation-failed');
});

test('vmm 6.5 (no F_MTU in the driver): attach line with an address and no mtu', () => {
	const vio = vioOf(fixture('amd64-vmm-6.5-beta-autoinstall-serial.txt'));
	assert.deepEqual(vio, [{ name: 'vio0', address: 'fe:e1:bb:d1:44:83' }]);
	assert.equal(netVerdict({ guest: vio[0] }).code, 'not-offered');
	assert.equal(effectiveMtu({ guest: vio[0] }), 1500);
	// Under QEMU with host_mtu=9000 the same old driver simply does not accept the bit.
	const v = netVerdict({ guest: vio[0], host: { hostMtu: 9000, offered: true, accepted: false, negotiated: true } });
	assert.equal(v.code, 'refused');
	assert.equal(v.text, 'F_MTU offered (MTU 9000) but not accepted: guest uses 1500');
});

test('dmesgd masks MACs: still one vio0 with its masked address', () => {
	const vio = vioOf(fixture('amd64-kvm-qemu5.1-modern-virtio-6.8-dmesg.txt'));
	assert.deepEqual(vio, [{ name: 'vio0', address: 'xx:xx:xx:xx:xx:xx' }]);
});

test('2026 kernel, F_MTU accepted: ", mtu 9000"', () => {
	const vio = vioOf('virtio32 at pci0 dev 1 function 0 "Qumranet Virtio 1.x Network" rev 0x01\nvio0 at virtio32: 1 queue, address 52:54:00:12:34:56, mtu 9000\nvirtio32: msix per-VQ\n');
	assert.deepEqual(vio, [{ name: 'vio0', address: '52:54:00:12:34:56', mtu: 9000 }]);
	const v = netVerdict({ guest: vio[0], host: { hostMtu: 9000, offered: true, accepted: true, negotiated: true } });
	assert.deepEqual(v, { code: 'accepted', text: 'F_MTU accepted: MTU 9000', mtu: 9000 });
});

test('2026 kernel, device MTU too big: "mtu 65535 not supported", renegotiated without F_MTU', () => {
	const text = 'vio0 at virtio32vio0: mtu 65535 not supported\n: 1 queue, address 52:54:00:12:34:56\nvirtio32: msix per-VQ\n';
	const vio = vioOf(text);
	assert.deepEqual(vio, [{ name: 'vio0', address: '52:54:00:12:34:56', mtuNotSupported: 65535 }]);
	const v = netVerdict({ guest: vio[0], host: { hostMtu: 65535, offered: true, accepted: false, negotiated: true } });
	assert.equal(v.code, 'fell-back');
	assert.equal(v.text, 'fell back without F_MTU: device MTU 65535 > 65435, guest uses 1500');
	// Host side alone (guest text not seen) reaches the same verdict.
	assert.equal(netVerdict({ host: { hostMtu: 65535, offered: true, accepted: false, negotiated: true } }).code, 'fell-back');
});

test('the wire catches a guest sending frames beyond its MTU', () => {
	const guest = { name: 'vio0', address: '52:54:00:12:34:56', mtu: 1500 };
	const v = netVerdict({ guest, wire: { largestFrame: 8042, frames: 3 } });
	assert.equal(v.code, 'oversize');
	assert.equal(v.text, 'guest sends 8042-byte frames, larger than MTU 1500 allows (1514)');
	// A full-size 1500 frame is fine.
	assert.equal(netVerdict({ guest, wire: { largestFrame: 1514, frames: 3 } }).code, 'accepted');
});

test('host-only states: not offered, pending, refused (Linux with host_mtu=60), accepted', () => {
	assert.equal(netVerdict({ host: { hostMtu: 0, offered: false } }).code, 'not-offered');
	assert.equal(netVerdict({ host: { hostMtu: 9000, offered: true } }).code, 'pending');
	assert.equal(netVerdict({ host: { hostMtu: 60, offered: true, accepted: false, negotiated: true } }).code, 'refused');
	assert.deepEqual(netVerdict({ host: { hostMtu: 9000, offered: true, accepted: true, negotiated: true } }).mtu, 9000);
});

test('no witness at all says so', () => {
	assert.deepEqual(netVerdict({}), { code: 'unknown', text: 'not available with this backend' });
});

test('viogpu attach line, and failure lines aggregated into counts and a rate', () => {
	const text = [
		'viogpu0 at virtio33: 1280x800, 32bpp',
		'wsdisplay0 at viogpu0 mux 1: console (160x50, vt100 emulation)',
		'viogpu0: failed TRANSFER_TO_HOST: 4608',
		'viogpu0: failed RESOURCE_FLUSH: 4608',
		'viogpu0: failed TRANSFER_TO_HOST: 4608',
	].join('\n');
	const gpu = guestViogpu(latestDevices(scanBytes(Buffer.from(text + '\n'))));
	assert.equal(gpu?.width, 1280);
	assert.equal(gpu?.height, 800);
	assert.deepEqual(gpu?.failures, [{ message: 'failed TRANSFER_TO_HOST: 4608', count: 2 }, { message: 'failed RESOURCE_FLUSH: 4608', count: 1 }]);
	assert.equal(gpuFailureRate(gpu, 0, 60_000), 3);
});
