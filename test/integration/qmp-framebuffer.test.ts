// The framebuffer and net monitors against a real, paused QEMU: with virtio-gpu the
// screen (over VNC, as the daemon reads it) is QEMU's placeholder (no scanout yet);
// without any display device the screendump fallback finds nothing to dump; the net
// monitor reads the offered MTU before any guest runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Qmp } from '../../src/devices/qmp.ts';
import { RfbMonitor, ScreendumpMonitor } from '../../src/devices/framebuffer.ts';
import { screenReport } from '../../src/devices/screen.ts';
import { NetMonitor, netReport } from '../../src/devices/net.ts';
import { VmDevices } from '../../src/devices/vm-devices.ts';
import { scanBytes } from '../../src/guest/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-fb-'));
const procs: ChildProcess[] = [];
after(() => {
	for (const p of procs) p.kill();
	rmSync(dir, { recursive: true, force: true });
});

async function qemu(name: string, devices: string[]): Promise<Qmp> {
	const sock = join(dir, `${name}.sock`);
	procs.push(spawn('qemu-system-aarch64', [
		'-M', 'virt,acpi=off', '-cpu', 'cortex-a72', '-nodefaults', '-display', 'none', '-S',
		'-qmp', `unix:${sock},server=on,wait=off`, ...devices,
	], { stdio: ['ignore', 'ignore', 'inherit'] }));
	for (let i = 0; i < 200 && !existsSync(sock); i++) await sleep(50);
	return Qmp.connect(sock);
}

test('virtio-gpu before the guest: placeholder over VNC, no scanout, PNG of it', async () => {
	const vnc = join(dir, 'gpu-vnc.sock');
	const qmp = await qemu('gpu', ['-device', 'virtio-gpu-pci,id=gpu0', '-vnc', `unix:${vnc}`]);
	const mon = new RfbMonitor({ qmp, target: { path: vnc } });
	const r = await screenReport(mon, null, { png: true, thumb: { cols: 30, rows: 10 }, fresh: true });
	assert.equal(r.host?.width, 640);
	assert.equal(r.host?.height, 480);
	assert.equal(r.host?.driverOk, false);
	assert.equal(r.verdict.code, 'no-scanout');
	assert.ok(r.png);
	assert.deepEqual([...Buffer.from(r.png, 'base64').subarray(1, 4)], [0x50, 0x4e, 0x47]);
	assert.equal(r.thumbnail?.[0].length, 27); // 4:3 in 20 pixel rows
	// The same picture as a screendump of it.
	const dump = new ScreendumpMonitor(qmp, { dumpDir: dir });
	const d = await dump.current(true);
	assert.equal(r.host?.nonBlack, d.nonBlack);
	assert.ok(mon.rgb()!.rgb.equals(dump.rgb()!.rgb), 'the VNC picture differs from the screendump');
	// Nothing changed between two reports: the paused VM's VNC stream is silent.
	const again = await mon.current(true);
	assert.equal(again.changed, false);
	assert.equal(again.samples, r.host?.samples);
	assert.equal(again.hash, r.host?.hash);
	mon.close();
	await qmp.close();
});

test('VNC not there: the panel says why instead of a picture', async () => {
	const mon = new RfbMonitor({ target: { path: join(dir, 'absent.sock') } });
	const r = await screenReport(mon, null, { fresh: true });
	assert.equal(r.verdict.code, 'unknown');
	assert.match(r.verdict.text, /^VNC: .*ENOENT/);
	mon.close();
});

test('no display device at all', async () => {
	const qmp = await qemu('nogpu', []);
	const mon = new ScreendumpMonitor(qmp, { dumpDir: dir });
	const r = await screenReport(mon, null, { fresh: true, png: true });
	assert.deepEqual(r.verdict, { code: 'no-device', text: 'no display device' });
	assert.equal(r.png, undefined);
	mon.stop();
	await qmp.close();
});

test('net monitor: host_mtu 65535 offered, the guest has not negotiated', async () => {
	const qmp = await qemu('net', ['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,id=net0,host_mtu=65535,romfile=']);
	const mon = new NetMonitor(qmp);
	const host = await mon.poll();
	assert.deepEqual(host, {
		device: 'net0', hostMtu: 65535, offered: true, accepted: undefined, negotiated: false,
		statuses: [], negotiations: 0, resets: 0, changes: [],
	});
	const r = netReport(host, null, null);
	assert.equal(r.verdict.code, 'pending');
	await qmp.close();
});

test('VmDevices: the daemon-side net and screen ops over a real QEMU and a stand-in helper', async () => {
	const vnc = join(dir, 'vmdev-vnc.sock');
	const qmp = await qemu('vmdev', ['-device', 'virtio-gpu-pci,id=gpu0', '-vnc', `unix:${vnc}`, '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,id=net0,host_mtu=9000,romfile=']);
	const sent: Record<string, unknown>[] = [];
	let dev: VmDevices;
	const stats = { framesIn: 3, largestIn: 8042, probe: { state: 'running', max: 9000, mtu: 0, tries: 1, error: null } };
	// The helper answers every net-* command with a net event, asynchronously.
	const control = (cmd: Record<string, unknown>) => {
		sent.push(cmd);
		setImmediate(() => dev.onHelperEvent({ event: 'net', ...stats, pcap: cmd.path ?? null }));
	};
	dev = new VmDevices({ qmp, observe: true, control, vnc: { path: vnc } });
	const connected = new Promise((r) => dev.once('rfb', r));
	assert.deepEqual(sent, [{ cmd: 'net-stats' }]);
	await new Promise((r) => setImmediate(r));
	assert.equal(dev.wire?.largestIn, 8042);
	assert.equal(dev.onHelperEvent({ event: 'exited' }), false);

	const guestDevices = scanBytes(Buffer.from('vio0 at virtio32: 1 queue, address 52:54:00:12:34:56, mtu 9000\n')).boots[0].devices;
	const { report } = await dev.netOp({ probe: { max: 9000 }, pcap: '/tmp/x.pcap' }, guestDevices);
	assert.deepEqual(sent.slice(1), [{ cmd: 'net-pcap', path: '/tmp/x.pcap' }, { cmd: 'net-probe', max: 9000 }]);
	assert.equal(report.wire?.probe.state, 'running');
	assert.equal(report.host?.hostMtu, 9000);
	assert.equal(report.guest?.mtu, 9000);
	assert.equal(report.verdict.code, 'accepted');

	// One RFB connection, announced to whoever shares it (the glass reader).
	assert.equal(await connected, dev.rfb);
	const screen = await dev.screenOp({ fresh: true, thumb: { cols: 20, rows: 6 } }, []);
	assert.equal(screen.report.verdict.code, 'no-scanout');
	assert.equal(screen.report.thumbnail?.length, 6);
	// A `vnc` helper event is consumed here (it may carry a password), never passed on.
	assert.equal(dev.onHelperEvent({ event: 'vnc', error: 'x' }), true);
	dev.close();
	assert.equal(dev.rfb, null);

	const plain = new VmDevices({ qmp, observe: false, control: () => assert.fail('no helper commands without an observe network') });
	await assert.rejects(plain.netOp({ probe: {} }, []), /no observe network/);
	assert.equal((await plain.netOp({}, [])).report.wire, null);
	plain.close();
	await qmp.close();
});
