// host_mtu 9000 on an observe network: F_MTU offered and accepted (QMP), eth0 at 9000
// (guest), an 8000-byte ping as 8042-byte frames on the wire and in the pcap, and the
// probe finding 9000. One guest boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NetMonitor, netReport, type WireStats } from '../../src/devices/net.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, until, HANG_GUARD_MS } from './virtio-lab.ts';

type NetEvent = WireStats & { event: string };

test('observe,mtu=9000: host, guest and wire agree on 9000', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const lab = await bootLab(t, guest, { net: { mode: 'observe', mtu: 9000 }, append: 'obsdtui.ip=10.0.2.15/24' });
	const [, mtu] = await lab.wait(/OBSDTUI-GUEST: eth0 mtu (\d+)\r?\n/);
	assert.equal(mtu, '9000');
	await lab.wait(/OBSDTUI-GUEST: ready\r?\n[^]*# /);

	const host = await new NetMonitor(lab.qmp).poll();
	assert.equal(host?.hostMtu, 9000);
	assert.equal(host?.offered, true);
	assert.equal(host?.accepted, true);
	assert.ok(host?.statuses.includes('DRIVER_OK'), String(host?.statuses));

	const nets = () => lab.events.filter((e) => e.event === 'net') as unknown as NetEvent[];
	const pcap = join(lab.vmDir, 'wire.pcap');
	lab.conn.control({ cmd: 'net-pcap', path: pcap });
	await until('pcap on', () => nets().find((e) => e.pcap === pcap));

	lab.type('ping -c 3 -s 8000 10.0.2.2');
	await lab.wait(/3 packets transmitted, 3 packets received/);
	const seen = await until('a net event with the pings', () => nets().find((e) => e.echoReplies >= 3));
	assert.equal(seen.largestIn, 8042);
	assert.equal(seen.largestOut, 8042);
	assert.equal(seen.fragments, 0);
	assert.equal(seen.guestIp, '10.0.2.15');

	lab.conn.control({ cmd: 'net-pcap' });
	await until('pcap off', () => (nets().at(-1)?.pcap === null ? true : undefined));
	const td = spawnSync('tcpdump', ['-r', pcap, '-nn', '-e'], { encoding: 'utf8' });
	assert.equal(td.status, 0, td.stderr);
	const lines = td.stdout.split('\n');
	assert.equal(lines.filter((l) => /length 8042: 10\.0\.2\.15 > 10\.0\.2\.2: ICMP echo request/.test(l)).length, 3, td.stdout);
	assert.equal(lines.filter((l) => /length 8042: 10\.0\.2\.2 > 10\.0\.2\.15: ICMP echo reply/.test(l)).length, 3, td.stdout);

	// The probe goes beyond the MTU: Linux takes the big frame in but answers in
	// fragments, so the largest one-frame round trip is the MTU itself.
	lab.conn.control({ cmd: 'net-probe', max: 16000 });
	const probe = await until('the probe to end', () => {
		const p = nets().at(-1)?.probe;
		return p && (p.state === 'done' || p.state === 'failed') ? p : undefined;
	});
	assert.equal(probe.state, 'done', String(probe.error));
	assert.equal(probe.mtu, 9000);

	const report = netReport(await new NetMonitor(lab.qmp).poll(), null, nets().at(-1));
	assert.equal(report.verdict.code, 'accepted');
	assert.equal(report.verdict.mtu, 9000);
});
