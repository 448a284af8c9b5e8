// The wire (native/qemu/wire.c) through real unix datagram sockets: a small driver
// (native/qemu/test/wiretest.c) runs it, and a python3 "guest" plays QEMU's end of
// -netdev dgram (Node cannot open AF_UNIX SOCK_DGRAM sockets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { GUEST } from './wire-guest.ts';
import type { WireStats } from '../../src/devices/net.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'obsdtui-wire-'));
const driver = join(dir, 'wiretest');
const netSock = join(dir, 'net.sock');
const vmSock = join(dir, 'vm-net.sock');
const procs: ChildProcessWithoutNullStreams[] = [];


// The wire driver prints the same JSON the helper sends the daemon.
type Stats = WireStats;

let wire: ChildProcessWithoutNullStreams;
let lines: AsyncIterator<string>;

async function cmd(line: string): Promise<string> {
	wire.stdin.write(line + '\n');
	const r = await lines.next();
	assert.ok(!r.done, 'wiretest exited');
	return r.value;
}

async function stats(): Promise<Stats> {
	return JSON.parse(await cmd('stats')) as Stats;
}

before(async () => {
	const cc = spawnSync('cc', ['-std=c11', '-D_DEFAULT_SOURCE', '-Wall', '-Werror', '-O2', '-o', driver,
		join(root, 'native/qemu/wire.c'), join(root, 'native/qemu/test/wiretest.c')], { stdio: 'inherit' });
	assert.equal(cc.status, 0);
	wire = spawn(driver, [netSock, vmSock]);
	procs.push(wire);
	lines = createInterface({ input: wire.stdout })[Symbol.asyncIterator]();
	assert.equal((await lines.next()).value, 'ready');
});

after(() => {
	for (const p of procs) p.kill();
	rmSync(dir, { recursive: true, force: true });
});

test('a probe before the guest has spoken fails with a reason', async () => {
	assert.equal(await cmd('probe 9000'), 'ok');
	const s = await stats();
	assert.equal(s.probe.state, 'failed');
	assert.equal(s.probe.error, 'guest address not seen on the wire yet');
	assert.equal(s.framesIn, 0);
});

test('ARP and an 8000-byte ping are answered, counted and captured; the probe finds the MTU', async () => {
	const pcap = join(dir, 'wire.pcap');
	assert.equal(await cmd(`pcap ${pcap}`), 'ok');
	const guestPy = join(dir, 'guest.py');
	writeFileSync(guestPy, GUEST);
	const guest = spawn('python3', [guestPy, vmSock, netSock, '9000']);
	procs.push(guest);
	guest.stderr.pipe(process.stderr);
	const facts = createInterface({ input: guest.stdout })[Symbol.asyncIterator]();

	const arp = JSON.parse(String((await facts.next()).value));
	assert.deepEqual(arp, { arp_type: '0806', arp_op: 2, gw_mac: '026f62736401', gw_ip: '10.0.2.2', to_mac: '525400123456' });
	const echo = JSON.parse(String((await facts.next()).value));
	assert.deepEqual(echo, { reply_len: 8042, reply_type: 0, same_data: true, ip_ok: true, icmp_ok: true, src: '10.0.2.2', dst: '10.0.2.15' });
	assert.deepEqual(JSON.parse(String((await facts.next()).value)), { responding: true });

	let s = await stats();
	assert.equal(s.framesIn, 2);
	assert.equal(s.largestIn, 8042);
	assert.equal(s.largestOut, 8042);
	assert.equal(s.arpReplies, 1);
	assert.equal(s.echoReplies, 1);
	assert.equal(s.guestMac, '52:54:00:12:34:56');
	assert.equal(s.guestIp, '10.0.2.15');
	assert.equal(s.hostIp, '10.0.2.2');
	assert.equal(s.pcap, pcap);
	assert.deepEqual(s.histogram.filter(([, n]) => n > 0), [[64, 1], [8192, 1]]);

	// The guest answers up to 9000 bytes of IP packet: the probe must land exactly there.
	assert.equal(await cmd('probe 16000'), 'ok');
	for (let i = 0; i < 600; i++) {
		s = await stats();
		if (s.probe.state !== 'running') break;
		await sleep(50);
	}
	assert.equal(s.probe.state, 'done');
	assert.equal(s.probe.mtu, 9000);
	assert.equal(s.largestIn, 9014);

	assert.equal(await cmd('nopcap'), 'ok');
	const td = spawnSync('tcpdump', ['-r', pcap, '-nn', '-e'], { encoding: 'utf8' });
	assert.equal(td.status, 0, td.stderr);
	const out = td.stdout.split('\n');
	assert.equal(out.filter((l) => /length 8042: 10\.0\.2\.15 > 10\.0\.2\.2: ICMP echo request/.test(l)).length, 1);
	assert.equal(out.filter((l) => /length 8042: 10\.0\.2\.2 > 10\.0\.2\.15: ICMP echo reply/.test(l)).length, 1);
	assert.ok(out.some((l) => /ARP .*Reply 10\.0\.2\.2 is-at 02:6f:62:73:64:01/.test(l)), td.stdout);
});
