// ifconfig output as OpenBSD prints it. The vio lines are constructed from the format in
// sbin/ifconfig/ifconfig.c (openbsd-console.md 1.2); the first line is real (Proxmox blog).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIfconfig, hwfeaturesCommand } from '../../src/devices/ifconfig.ts';

test('hwfeatures line with hardmtu', () => {
	const out = [
		'# ifconfig vio0 hwfeatures',
		'vio0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 9000',
		'\thwfeatures=1b7<CSUM_IPv4,CSUM_TCPv4,CSUM_UDPv4,VLAN_MTU,CSUM_TCPv6,CSUM_UDPv6> hardmtu 9000',
		'\tlladdr 52:54:00:12:34:56',
		'\tinet 10.0.2.15 netmask 0xffffff00 broadcast 10.0.2.255',
		'# ',
	].join('\r\n');
	assert.deepEqual(parseIfconfig(out, 'vio0'), {
		name: 'vio0', mtu: 9000, hardmtu: 9000,
		hwfeatures: ['CSUM_IPv4', 'CSUM_TCPv4', 'CSUM_UDPv4', 'VLAN_MTU', 'CSUM_TCPv6', 'CSUM_UDPv6'],
	});
});

test('plain ifconfig first line (real) and another interface', () => {
	const out = 'vio1: flags=2008802<BROADCAST,SIMPLEX,MULTICAST,LRO> mtu 1500\n\tlladdr c2:8a:93:59:9a:0a\n';
	assert.deepEqual(parseIfconfig(out, 'vio1'), { name: 'vio1', mtu: 1500 });
	assert.equal(parseIfconfig(out, 'vio0'), undefined);
});

test('only interface names can be typed', () => {
	assert.equal(hwfeaturesCommand('vio0'), 'ifconfig vio0 hwfeatures');
	assert.throws(() => hwfeaturesCommand('vio0; reboot'));
});
