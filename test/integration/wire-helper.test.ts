// The wire inside the real helper (`-n net.sock -r guest.sock`): net events to the
// daemon, and the net-stats / net-probe / net-pcap control commands. QEMU is real but
// paused (it only provides the console); the guest's NIC is the python fake guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnHelper } from '../../src/helper/spawn.ts';
import type { WireStats } from '../../src/devices/net.ts';
import { Recorder, tmpVmDir, waitUntil } from './helper-harness.ts';
import { GUEST } from './wire-guest.ts';

const hasQemu = spawnSync('qemu-system-aarch64', ['--version'], { stdio: 'ignore' }).status === 0;

type NetEvent = WireStats & { event: 'net' };

test('helper: net events, probe and pcap through control frames', { skip: !hasQemu && 'needs qemu-system-aarch64', timeout: 120_000 }, async (t) => {
	const dir = tmpVmDir(t);
	const con = join(dir, 'console.sock');
	const netSock = join(dir, 'net.sock');
	const guestSock = join(dir, 'guest.sock');
	await spawnHelper({
		vmDir: dir, boot: 1,
		argv: ['qemu', '-s', con, '-n', netSock, '-r', guestSock, '--', 'qemu-system-aarch64', '-M', 'virt,acpi=off', '-cpu', 'cortex-a72',
			'-nodefaults', '-display', 'none', '-S', '-chardev', `socket,id=ser0,path=${con},server=on,wait=on,telnet=on`, '-serial', 'chardev:ser0'],
	});
	const r = await Recorder.connect(dir);
	t.after(() => r.conn.kill('KILL'));
	const nets = () => r.events.filter((e) => e.event === 'net') as unknown as NetEvent[];

	// Nothing on the wire yet: stats on request, all zero.
	r.conn.control({ cmd: 'net-stats' });
	await waitUntil(() => nets().length === 1, 'the first net event');
	assert.equal(nets()[0].framesIn, 0);

	// A pcap that cannot be written: one error event a person can read.
	r.conn.control({ cmd: 'net-pcap', path: join(dir, 'no-such-dir', 'x.pcap') });
	const bad = await r.waitEvent('error');
	assert.deepEqual(bad, { event: 'error', cmd: 'pcap', message: 'pcap: No such file or directory' });

	const pcap = join(dir, 'wire.pcap');
	r.conn.control({ cmd: 'net-pcap', path: pcap });
	await waitUntil(() => nets().some((e) => e.pcap === pcap), 'pcap on');

	const py = join(dir, 'guest.py');
	writeFileSync(py, GUEST);
	const guest = spawn('python3', [py, guestSock, netSock, '1500']);
	t.after(() => guest.kill());
	guest.stderr.pipe(process.stderr);
	const facts = createInterface({ input: guest.stdout })[Symbol.asyncIterator]();
	assert.equal(JSON.parse(String((await facts.next()).value)).gw_ip, '10.0.2.2');
	assert.equal(JSON.parse(String((await facts.next()).value)).reply_len, 8042);
	await facts.next();

	// The helper reports the traffic by itself (rate-limited), without being asked.
	await waitUntil(() => nets().some((e) => e.largestIn === 8042 && e.echoReplies === 1), 'a net event with the ping');

	// This guest answers up to 1500-byte packets: the probe must find exactly that.
	r.conn.control({ cmd: 'net-probe', max: 9000 });
	await waitUntil(() => nets().some((e) => e.probe.state === 'done' || e.probe.state === 'failed'), 'the probe to end', 90_000);
	const done = nets().find((e) => e.probe.state !== 'running' && e.probe.state !== 'idle')!;
	assert.equal(done.probe.state, 'done');
	assert.equal(done.probe.mtu, 1500);
	assert.equal(done.probe.max, 9000);

	r.conn.control({ cmd: 'net-pcap' });
	await waitUntil(() => nets().at(-1)!.pcap === null, 'pcap off');
	const td = spawnSync('tcpdump', ['-r', pcap, '-nn'], { encoding: 'utf8' });
	assert.equal(td.status, 0, td.stderr);
	assert.match(td.stdout, /10\.0\.2\.15 > 10\.0\.2\.2: ICMP echo request, id 4660, seq 1, length 8008/);
});

test('helper without an observe network answers net commands with an error', { skip: !hasQemu && 'needs qemu-system-aarch64', timeout: 60_000 }, async (t) => {
	const dir = tmpVmDir(t);
	const con = join(dir, 'console.sock');
	await spawnHelper({
		vmDir: dir, boot: 1,
		argv: ['qemu', '-s', con, '--', 'qemu-system-aarch64', '-M', 'virt,acpi=off', '-cpu', 'cortex-a72',
			'-nodefaults', '-display', 'none', '-S', '-chardev', `socket,id=ser0,path=${con},server=on,wait=on,telnet=on`, '-serial', 'chardev:ser0'],
	});
	const r = await Recorder.connect(dir);
	t.after(() => r.conn.kill('KILL'));
	r.conn.control({ cmd: 'net-probe' });
	const ev = await r.waitEvent('error');
	assert.equal(ev.message, 'this VM has no observe network (--net observe)');
});
