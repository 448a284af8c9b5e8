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

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'obsdtui-wire-'));
const driver = join(dir, 'wiretest');
const netSock = join(dir, 'net.sock');
const vmSock = join(dir, 'vm-net.sock');
const procs: ChildProcessWithoutNullStreams[] = [];

// A guest with MAC 52:54:00:12:34:56 and IP 10.0.2.15: ARPs for its gateway, pings it
// with 8000 data bytes (DF), then answers echo requests up to LIMIT bytes of IP packet
// in one frame and drops bigger ones, like a NIC with that MTU. One JSON line per fact.
const GUEST = String.raw`
import socket, struct, sys, json, os
me, peer, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
MAC = bytes.fromhex('525400123456'); IP = socket.inet_aton('10.0.2.15'); GW = socket.inet_aton('10.0.2.2')
def cksum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip_hdr(src, dst, plen, ident):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + plen, ident, 0x4000, 64, 1, 0, src, dst)
    return h[:10] + struct.pack('!H', cksum(h)) + h[12:]
def icmp(typ, ident, seq, data):
    h = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + data
    return h[:2] + struct.pack('!H', cksum(h)) + h[4:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me); s.settimeout(5)
def say(**kw): print(json.dumps(kw), flush=True)
arp = b'\xff'*6 + MAC + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC + IP + b'\0'*6 + GW
s.sendto(arp, peer)
r = s.recv(70000)
say(arp_type=r[12:14].hex(), arp_op=struct.unpack('!H', r[20:22])[0], gw_mac=r[22:28].hex(), gw_ip=socket.inet_ntoa(r[28:32]), to_mac=r[0:6].hex())
gw_mac = r[22:28]
data = os.urandom(8000)
req = gw_mac + MAC + b'\x08\x00' + ip_hdr(IP, GW, 8008, 7) + icmp(8, 0x1234, 1, data)
s.sendto(req, peer)
r = s.recv(70000)
ip = r[14:34]
say(reply_len=len(r), reply_type=r[34], same_data=(r[42:] == data), ip_ok=(cksum(ip) == 0), icmp_ok=(cksum(r[34:]) == 0), src=socket.inet_ntoa(ip[12:16]), dst=socket.inet_ntoa(ip[16:20]))
say(responding=True)
s.settimeout(None)
while True:
    r = s.recv(70000)
    if len(r) < 42 or r[12:14] != b'\x08\x00' or r[23] != 1 or r[34] != 8: continue
    tl = struct.unpack('!H', r[16:18])[0]
    if tl > limit: continue
    ident, seq = struct.unpack('!HH', r[38:42])
    reply = r[6:12] + MAC + b'\x08\x00' + ip_hdr(IP, r[26:30], tl - 20, seq) + icmp(0, ident, seq, r[42:14+tl])
    s.sendto(reply, peer)
`;

interface Stats {
	framesIn: number;
	largestIn: number;
	largestOut: number;
	arpReplies: number;
	echoReplies: number;
	guestMac: string | null;
	guestIp: string | null;
	hostIp: string | null;
	pcap: string | null;
	histogram: [number, number][];
	probe: { state: string; max: number; mtu: number; tries: number; error: string | null };
}

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

	const arp = JSON.parse((await facts.next()).value);
	assert.deepEqual(arp, { arp_type: '0806', arp_op: 2, gw_mac: '026f62736401', gw_ip: '10.0.2.2', to_mac: '525400123456' });
	const echo = JSON.parse((await facts.next()).value);
	assert.deepEqual(echo, { reply_len: 8042, reply_type: 0, same_data: true, ip_ok: true, icmp_ok: true, src: '10.0.2.2', dst: '10.0.2.15' });
	assert.deepEqual(JSON.parse((await facts.next()).value), { responding: true });

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
