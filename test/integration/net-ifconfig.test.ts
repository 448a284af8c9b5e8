// `obsdtui net NAME --ifconfig`: typed only when asked and only at a shell prompt, with
// an exec console standing in for an OpenBSD shell (test/fixtures/openbsd-shell-standin.sh).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Sandbox, ROOT } from '../helpers/cli.ts';

const box = new Sandbox('otn');
after(() => box.cleanup());

test('net --ifconfig reads mtu and hardmtu at a shell prompt, and refuses elsewhere', async () => {
	await box.ok(['up', 'sh1', '--exec', `sh ${join(ROOT, 'test', 'fixtures', 'openbsd-shell-standin.sh')}`]);
	await box.ok(['wait', 'sh1', '--for', '# $']);
	const r = JSON.parse(await box.ok(['net', 'sh1', '--json', '--ifconfig'])) as Record<string, unknown>;
	assert.deepEqual(r.ifconfig, {
		name: 'vio0',
		mtu: 9000,
		hardmtu: 9000,
		hwfeatures: ['CSUM_IPv4', 'CSUM_TCPv4', 'CSUM_UDPv4', 'VLAN_MTU', 'CSUM_TCPv6', 'CSUM_UDPv6'],
	});
	assert.match(await box.ok(['net', 'sh1', '--ifconfig', 'vio0']), /ifconfig vio0: mtu 9000, hardmtu 9000/);
	// The typing is audited.
	assert.match(await box.ok(['log', 'sh1', '--audit']), /typed 'ifconfig vio0 hwfeatures' at the shell prompt/);
	// Not an interface name: nothing is typed.
	const bad = await box.run(['net', 'sh1', '--ifconfig', 'vio0; reboot']);
	assert.equal(bad.code, 1);
	assert.match(bad.stderr, /^obsdtui: not an interface name/);
	assert.doesNotMatch(readFileSync(join(box.vmDir('sh1'), 'boot.001.log'), 'latin1'), /reboot/);
	await box.ok(['down', 'sh1', '--force']);

	// At a login prompt nothing is typed.
	await box.ok(['up', 'lg1', '--exec', "printf 'login: '; sleep 600"]);
	await box.ok(['wait', 'lg1', '--for', 'login: $']);
	const r2 = await box.run(['net', 'lg1', '--ifconfig']);
	assert.equal(r2.code, 1);
	assert.match(r2.stderr, /^obsdtui: lg1 is not at a shell prompt \(login\); not typing 'ifconfig vio0 hwfeatures'\n$/);
	assert.doesNotMatch(readFileSync(join(box.vmDir('lg1'), 'boot.001.log'), 'latin1'), /ifconfig/);
	await box.ok(['down', 'lg1', '--force']);
});
