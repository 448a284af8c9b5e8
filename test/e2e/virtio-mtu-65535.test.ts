// host_mtu 65535: QEMU offers it, a Linux guest accepts it and runs eth0 at 65535. (An
// OpenBSD-current guest would refuse it as above 65435; that rule is unit-tested on its
// attach line.) One guest boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetMonitor, netReport } from '../../src/devices/net.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, HANG_GUARD_MS } from './virtio-lab.ts';

test('mtu=65535: offered and accepted, eth0 at 65535', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const lab = await bootLab(t, guest, { net: { mode: 'user', mtu: 65535 } });
	const [, mtu] = await lab.wait(/OBSDTUI-GUEST: eth0 mtu (\d+)\r?\n/);
	assert.equal(mtu, '65535');
	await lab.wait(/OBSDTUI-GUEST: ready\r?\n/);

	const mon = new NetMonitor(lab.qmp);
	const host = await mon.poll();
	assert.deepEqual([host?.hostMtu, host?.offered, host?.accepted, host?.negotiated], [65535, true, true, true]);
	assert.equal(host?.negotiations, 1);
	assert.equal(netReport(host, null, null).verdict.mtu, 65535);
	// The guest's own vio line would override the host's view: a 2026 OpenBSD says no.
	const openbsd = netReport({ ...host!, accepted: false }, { name: 'vio0', mtuNotSupported: 65535, address: '52:54:00:12:34:56' }, null);
	assert.equal(openbsd.verdict.code, 'fell-back');
});
