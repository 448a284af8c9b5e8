import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseVirtioStatus, VirtioTracker, devicePath, featureName, type VirtioStatus } from '../../src/devices/virtio-status.ts';

// Recorded from QEMU 7.2: virtio-net-pci,host_mtu=9000 before the guest ran (-S).
const raw = JSON.parse(readFileSync(new URL('../fixtures/qmp-virtio-status-net-prelaunch.json', import.meta.url), 'utf8'));
const PATH = '/machine/peripheral/net0/virtio-backend';

test('parses a recorded x-query-virtio-status answer into names', () => {
	const s = parseVirtioStatus(PATH, raw);
	assert.equal(s.name, 'virtio-net');
	assert.equal(s.deviceId, 1);
	assert.ok(s.hostFeatures.includes('VIRTIO_NET_F_MTU'));
	assert.ok(s.hostFeatures.includes('VIRTIO_F_VERSION_1'));
	assert.deepEqual(s.guestFeatures, []);
	assert.deepEqual(s.statuses, []);
	assert.equal(s.started, false);
	assert.equal(s.broken, false);
});

test('feature and path names', () => {
	assert.equal(featureName('VIRTIO_NET_F_MTU: Device max MTU reporting supported'), 'VIRTIO_NET_F_MTU');
	assert.equal(featureName('VIRTIO_CONFIG_S_DRIVER_OK'), 'VIRTIO_CONFIG_S_DRIVER_OK');
	assert.equal(devicePath(PATH), '/machine/peripheral/net0');
});

function st(statuses: string[], guest: string[]): VirtioStatus {
	return { path: PATH, name: 'virtio-net', deviceId: 1, hostFeatures: ['VIRTIO_NET_F_MTU', 'VIRTIO_NET_F_MAC'], guestFeatures: guest, statuses, started: statuses.includes('DRIVER_OK'), broken: false };
}

test('tracker: first negotiation, then reset and renegotiation without F_MTU', () => {
	const t = new VirtioTracker();
	assert.deepEqual(t.update(st([], []), 0), []);
	const first = t.update(st(['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], ['VIRTIO_NET_F_MTU', 'VIRTIO_NET_F_MAC']), 1);
	assert.deepEqual(first.map((c) => c.kind), ['status', 'negotiated']);
	assert.equal(t.negotiations, 1);
	// Same answer again: nothing happened.
	assert.deepEqual(t.update(st(['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], ['VIRTIO_NET_F_MAC', 'VIRTIO_NET_F_MTU']), 2), []);
	const reset = t.update(st([], []), 3);
	assert.deepEqual(reset.map((c) => c.kind), ['reset']);
	assert.equal(t.resets, 1);
	const again = t.update(st(['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], ['VIRTIO_NET_F_MAC']), 4);
	assert.deepEqual(again.map((c) => c.kind), ['status', 'renegotiated']);
	assert.equal(again[1].detail, '-VIRTIO_NET_F_MTU');
	assert.equal(t.negotiations, 2);
	assert.equal(t.changes.length, 5);
});

test('tracker: a renegotiation between two polls is seen as a feature change', () => {
	const t = new VirtioTracker();
	t.update(st(['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], ['VIRTIO_NET_F_MTU', 'VIRTIO_NET_F_MAC']), 0);
	const c = t.update(st(['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], ['VIRTIO_NET_F_MAC']), 1);
	assert.deepEqual(c.map((x) => [x.kind, x.detail]), [['renegotiated', '-VIRTIO_NET_F_MTU']]);
	assert.equal(t.resets, 0);
});

test('tracker keeps a bounded history', () => {
	const t = new VirtioTracker(3);
	for (let i = 0; i < 10; i++) {
		t.update(st(['ACKNOWLEDGE'], []), i * 2);
		t.update(st([], []), i * 2 + 1);
	}
	assert.equal(t.changes.length, 3);
	assert.equal(t.resets, 10);
});
