// host_mtu 1500 and no display device: F_MTU offered and accepted at 1500, eth0 at 1500,
// and the framebuffer panel says there is no display device. One guest boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetMonitor, netReport } from '../../src/devices/net.ts';
import { ScreendumpMonitor } from '../../src/devices/framebuffer.ts';
import { screenReport } from '../../src/devices/screen.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, HANG_GUARD_MS } from './virtio-lab.ts';

test('mtu=1500 without a GPU', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const lab = await bootLab(t, guest, { net: { mode: 'user', mtu: 1500 } });
	const [, mtu] = await lab.wait(/OBSDTUI-GUEST: eth0 mtu (\d+)\r?\n/);
	assert.equal(mtu, '1500');
	await lab.wait(/OBSDTUI-GUEST: no fb0\r?\n/);

	const host = await new NetMonitor(lab.qmp).poll();
	assert.deepEqual([host?.hostMtu, host?.offered, host?.accepted], [1500, true, true]);
	const r = netReport(host, null, null);
	assert.deepEqual(r.verdict, { code: 'accepted', text: 'F_MTU accepted: MTU 1500', mtu: 1500 });

	const mon = new ScreendumpMonitor(lab.qmp);
	t.after(() => mon.close());
	const s = await screenReport(mon, null, { fresh: true, png: true });
	assert.deepEqual(s.verdict, { code: 'no-device', text: 'no display device' });
	assert.equal(s.png, undefined);
});
