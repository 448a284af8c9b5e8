// A real QEMU, started from the argv src/helper/qemu.ts builds: first bare (does QEMU accept
// every option we generate?), then the arm64 test guest through the real helper, checked the
// way a user would: what the console shows, and what QMP says the virtio-net device agreed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/common/spec.ts';
import { Qmp } from '../../src/devices/qmp.ts';
import { HelperConnection } from '../../src/helper/connection.ts';
import { bootLogPath } from '../../src/helper/logfiles.ts';
import { consoleSocketPath, findQemu, qemuArgv, qmpSocketPath } from '../../src/helper/qemu.ts';
import { spawnHelper } from '../../src/helper/spawn.ts';
import { guestUnavailableReason, testGuest, waitForFile } from '../helpers/guest.ts';
import { alive } from '../integration/helper-harness.ts';

const HANG_GUARD_MS = 240_000;

function scratch(t: { after: (fn: () => void) => void }): string {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-e2e-'));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

async function connectWhenListening(path: string): Promise<Socket> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			return await new Promise<Socket>((resolve, reject) => {
				const s = createConnection(path);
				s.once('connect', () => resolve(s));
				s.once('error', reject);
			});
		} catch (e) {
			if (Date.now() > deadline) throw e;
			await new Promise((r) => setTimeout(r, 50));
		}
	}
}


async function gone(pid: number): Promise<boolean> {
	const deadline = Date.now() + 15_000;
	while (alive(pid)) {
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, 50));
	}
	return true;
}

/** Bytes of a binary PPM (P6) screendump that are not zero, and its size. */
function ppmFacts(file: string): { width: number; height: number; nonZero: number } {
	const buf = readFileSync(file);
	const m = /^P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 200).toString('latin1'));
	assert.ok(m, 'not a P6 PPM');
	let nonZero = 0;
	for (const b of buf.subarray(m[0].length)) if (b !== 0) nonZero++;
	return { width: Number(m[1]), height: Number(m[2]), nonZero };
}

function virtioFeatures(list: unknown): string[] {
	return (list as string[]).map((f) => f.split(':')[0]);
}

test('QEMU accepts the generated argv: EFI, raw and qcow2 disks, observe network with MTU, GPU', { timeout: HANG_GUARD_MS }, async (t) => {
	const qemu = findQemu();
	if (!qemu) {
		if (process.env.OBSDTUI_REQUIRE_QEMU === '1') assert.fail('OBSDTUI_REQUIRE_QEMU=1 but qemu-system-aarch64 is not installed');
		t.skip('qemu-system-aarch64 is not installed');
		return;
	}
	const dir = scratch(t);
	const vmDir = join(dir, 'vm');
	mkdirSync(vmDir, { mode: 0o700 });
	const raw = join(dir, 'ro.img');
	writeFileSync(raw, Buffer.alloc(1 << 20));
	const disks: (string | object)[] = [{ path: raw, readonly: true }];
	const qcow = join(dir, 'rw.qcow2');
	// qemu-img comes with qemu-utils; without it the qcow2 case is not run.
	if (spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow, '16M']).status === 0) disks.push(qcow);
	const spec = parseSpec({ name: 'argv', efi: true, disks, net: { mode: 'observe', mtu: 9000 }, gpu: '1024x768', mem: 256, cpus: 1 });
	const argv = await qemuArgv(spec, vmDir);
	assert.deepEqual(argv.slice(0, 7), ['qemu', '-T', 'raw', '-L', String(4096 * 1024 * 1024), '-s', consoleSocketPath(vmDir)]);
	// Run QEMU's part of the helper's argv, without the helper.
	const dashes = argv.indexOf('--');
	assert.ok(dashes > 0, 'no -- before the QEMU command');
	const child = spawn(argv[dashes + 1], argv.slice(dashes + 2), { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	t.after(() => {
		child.kill('SIGKILL');
	});
	// QEMU waits (wait=on) for the console's client before it runs the guest: be that client.
	const consoleSock = await Promise.race([
		connectWhenListening(consoleSocketPath(vmDir)),
		exited.then((code) => assert.fail(`qemu exited with ${code}: ${stderr.trim()}`)),
	]);
	t.after(() => consoleSock.destroy());
	consoleSock.on('data', () => {});
	const qmp = await Qmp.connect(qmpSocketPath(vmDir), { timeoutMs: 30_000 });
	t.after(() => qmp.close());
	const status = await qmp.execute<{ running: boolean; status: string }>('query-status');
	assert.equal(status.status, 'running');
	assert.equal(await qmp.execute('qom-get', { path: '/machine/peripheral/net0', property: 'host_mtu' }), 9000);
	assert.equal(await qmp.execute('qom-get', { path: '/machine/peripheral/gpu0', property: 'xres' }), 1024);
	const blocks = await qmp.execute<{ device: string; inserted?: { ro: boolean; image: { format: string } } }[]>('query-block');
	const seen = blocks.filter((b) => b.inserted).map((b) => [b.device, b.inserted!.ro, b.inserted!.image.format]);
	assert.deepEqual(seen, disks.length === 2 ? [['disk0', true, 'raw'], ['disk1', false, 'qcow2']] : [['disk0', true, 'raw']]);
	await qmp.execute('quit').catch(() => {});
	assert.equal(await exited, 0, stderr);
});

test('the test guest boots through the helper: MTU 9000 negotiated, numbered lines, a framebuffer, a working shell', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const dir = scratch(t);
	const vmDir = join(dir, 'vms', 'g1');
	mkdirSync(vmDir, { recursive: true, mode: 0o700 });
	const spec = parseSpec({
		name: 'g1',
		kernel: guest.kernel,
		initrd: guest.initrd,
		append: `${guest.append} obsdtui.ip=10.0.2.15/24 obsdtui.lines=300`,
		// observe: the guest's wire ends in a socket on this host and goes nowhere else.
		net: { mode: 'observe', mtu: 9000 },
		gpu: '1024x768',
		mem: 512,
	});
	await spawnHelper({ vmDir, boot: 1, argv: await qemuArgv(spec, vmDir) });
	const helperPid = Number(readFileSync(join(vmDir, 'helper.pid'), 'utf8'));
	t.after(async () => {
		if (alive(helperPid)) process.kill(helperPid, 'SIGTERM');
		if (!(await gone(helperPid))) process.kill(helperPid, 'SIGKILL');
	});
	const log = bootLogPath(vmDir, 1);

	const [, mtu] = await waitForFile(log, /OBSDTUI-GUEST: eth0 mtu (\d+)\r?\n/, HANG_GUARD_MS);
	assert.equal(mtu, '9000');
	await waitForFile(log, /OBSDTUI-GUEST: fb0 1024x768\r?\n/, HANG_GUARD_MS);
	await waitForFile(log, /OBSDTUI-GUEST: ready\r?\n[^]*OBSDTUI-GUEST: lines done 300\r?\n[^]*\n# /, HANG_GUARD_MS);
	const numbered = readFileSync(log, 'latin1').match(/^line \d{6}(?=\r?$)/gm) ?? [];
	assert.deepEqual(numbered, Array.from({ length: 300 }, (_, i) => `line ${String(i + 1).padStart(6, '0')}`));

	const qmp = await Qmp.connect(qmpSocketPath(vmDir), { timeoutMs: 10_000 });
	t.after(() => qmp.close());
	const devices = await qmp.execute<{ name: string; path: string }[]>('x-query-virtio');
	const net = devices.find((d) => d.path.includes('/net0/'));
	assert.ok(net, `no net0 in ${JSON.stringify(devices)}`);
	const st = await qmp.execute<Record<string, { 'dev-features': string[] }>>('x-query-virtio-status', { path: net.path });
	assert.ok(virtioFeatures(st['host-features']['dev-features']).includes('VIRTIO_NET_F_MTU'), 'VIRTIO_NET_F_MTU not offered');
	assert.ok(virtioFeatures(st['guest-features']['dev-features']).includes('VIRTIO_NET_F_MTU'), 'VIRTIO_NET_F_MTU not accepted');

	// Keystrokes through the helper reach the shell, and its answer reaches the log.
	const conn = await HelperConnection.connect(vmDir);
	t.after(() => conn.close());
	conn.on('output', () => {});
	conn.input(Buffer.from('echo obsdtui-$((6*7))\r'));
	await waitForFile(log, /\nobsdtui-42\r?\n/, 60_000);

	// `blank` leaves the framebuffer all black; before it, the console text is on it.
	const shot = join(dir, 'screen.ppm');
	await qmp.execute('screendump', { filename: shot });
	const before = ppmFacts(shot);
	assert.deepEqual([before.width, before.height], [1024, 768]);
	assert.ok(before.nonZero > 0, 'the framebuffer console shows nothing');
	conn.input(Buffer.from('blank; echo blanked-$((1+1))\r'));
	await waitForFile(log, /\nblanked-2\r?\n/, 60_000);
	// The guest flushes fbdev writes to the host a little later (deferred I/O): poll.
	const deadline = Date.now() + 60_000;
	let nonZero: number;
	do {
		await qmp.execute('screendump', { filename: shot });
		nonZero = ppmFacts(shot).nonZero;
		if (nonZero) await new Promise((r) => setTimeout(r, 200));
	} while (nonZero && Date.now() < deadline);
	assert.equal(nonZero, 0);

	await qmp.execute('quit').catch(() => {});
});
