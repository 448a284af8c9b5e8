// The CLI's text for `obsdtui net` and `obsdtui screen`: every witness has a line, and a
// missing one says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNetReport, formatScreenReport, formatAge } from '../../src/devices/format.ts';
import { netReport, type WireStats } from '../../src/devices/net.ts';
import { replayScreenReport } from '../../src/devices/replay.ts';
import { scanBytes } from '../../src/guest/index.ts';

const wire: WireStats = {
	framesIn: 7, bytesIn: 24000, framesOut: 6, bytesOut: 24000, outErrors: 0, runts: 0, fragments: 0,
	largestIn: 8042, largestOut: 8042, arpReplies: 1, echoReplies: 3, guestMac: '52:54:00:12:34:56',
	guestIp: '10.0.2.15', hostIp: '10.0.2.2', pcap: '/tmp/w.pcap', histogram: [[64, 1], [1514, 0], [8192, 6]],
	probe: { state: 'done', max: 16000, mtu: 9000, tries: 9, error: null },
};

test('net: all three witnesses', () => {
	const r = netReport(
		{ device: 'net0', hostMtu: 9000, offered: true, accepted: true, negotiated: true, statuses: ['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], negotiations: 1, resets: 0, changes: [] },
		{ name: 'vio0', address: '52:54:00:12:34:56', mtu: 9000 },
		wire,
	);
	assert.equal(formatNetReport('obsd', r), [
		'obsd: F_MTU accepted: MTU 9000',
		'  host   net0: host_mtu 9000, F_MTU offered, accepted',
		'         status ACKNOWLEDGE,DRIVER,FEATURES_OK,DRIVER_OK; 1 negotiation(s), 0 reset(s)',
		'  guest  vio0, address 52:54:00:12:34:56, mtu 9000',
		'  wire   7 frames in, largest 8042; 6 out, largest 8042; guest 10.0.2.15 (52:54:00:12:34:56)',
		'         sizes <=64:1 <=8192:6',
		'  probe  largest answered IP packet 9000 (frame 9014) after 9 tries',
		'  pcap   /tmp/w.pcap',
		'',
	].join('\n'));
});

test('net: a backend with no witnesses but the guest line', () => {
	const r = netReport(null, { name: 'vio0', negotiationFailed: true }, null);
	assert.equal(formatNetReport('vz', r), [
		'vz: negotiation failed: pre-2026 vio without F_MTU',
		'  host   not available with this backend',
		'  guest  vio0, Feature negotiation failed, no device mtu',
		'  wire   not available with this backend (use --net observe,mtu=N)',
		'',
	].join('\n'));
});

test('screen: replay of a log with viogpu failures', () => {
	const s = scanBytes(Buffer.from('viogpu0 at virtio1: 1280x800, 32bpp\nviogpu0: failed RESOURCE_FLUSH: 4608\nviogpu0: failed RESOURCE_FLUSH: 4608\n'));
	assert.equal(formatScreenReport('old', replayScreenReport(s, { bootStart: 0, now: 30_000 })), [
		'old: guest set 1280x800; pixels not available with this backend',
		'  host   not available with this backend',
		'  guest  viogpu0 1280x800',
		'         failed RESOURCE_FLUSH: 4608 x2',
		'         4 failures/min',
		'',
	].join('\n'));
});

test('ages', () => {
	assert.deepEqual([undefined, 500, 3000, 120_000, 7_200_000].map(formatAge), ['?', 'now', '3 s ago', '2 min ago', '2 h ago']);
});
