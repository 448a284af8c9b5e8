// Host-side virtio facts from a real, paused QEMU: what is offered before any guest runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Qmp } from '../../src/devices/qmp.ts';
import { listVirtio, readVirtioStatus, readHostMtu, readQueueStatus, VIRTIO_ID_GPU, VIRTIO_ID_NET } from '../../src/devices/virtio-status.ts';

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-virtio-'));
const procs: ChildProcess[] = [];
after(() => {
	for (const p of procs) p.kill();
	rmSync(dir, { recursive: true, force: true });
});

async function qemu(name: string, netOpts: string): Promise<Qmp> {
	const sock = join(dir, `${name}.sock`);
	procs.push(spawn('qemu-system-aarch64', [
		'-M', 'virt,acpi=off', '-cpu', 'cortex-a72', '-nodefaults', '-display', 'none', '-S',
		'-qmp', `unix:${sock},server=on,wait=off`,
		'-netdev', 'user,id=n0', '-device', `virtio-net-pci,netdev=n0,id=net0,romfile=${netOpts}`,
		'-device', 'virtio-gpu-pci,id=gpu0',
	], { stdio: ['ignore', 'ignore', 'inherit'] }));
	for (let i = 0; i < 200 && !existsSync(sock); i++) await sleep(50);
	return Qmp.connect(sock);
}

test('host_mtu=9000: F_MTU offered, nothing accepted before the guest runs', async () => {
	const qmp = await qemu('mtu9000', ',host_mtu=9000');
	const devs = await listVirtio(qmp);
	assert.ok(devs);
	const net = devs.find((d) => d.path.includes('/net0/'));
	const gpu = devs.find((d) => d.path.includes('/gpu0/'));
	assert.ok(net && gpu);
	const ns = await readVirtioStatus(qmp, net.path);
	assert.equal(ns.deviceId, VIRTIO_ID_NET);
	assert.ok(ns.hostFeatures.includes('VIRTIO_NET_F_MTU'));
	assert.deepEqual(ns.guestFeatures, []);
	assert.deepEqual(ns.statuses, []);
	assert.equal(await readHostMtu(qmp, net.path), 9000);
	const gs = await readVirtioStatus(qmp, gpu.path);
	assert.equal(gs.deviceId, VIRTIO_ID_GPU);
	const q = await readQueueStatus(qmp, gpu.path, 0);
	assert.deepEqual(q, { lastAvailIdx: 0, usedIdx: 0 });
	await qmp.close();
});

test('without host_mtu the feature is not offered and the MTU reads 0', async () => {
	const qmp = await qemu('nomtu', '');
	const devs = await listVirtio(qmp);
	const net = devs?.find((d) => d.path.includes('/net0/'));
	assert.ok(net);
	assert.ok(!(await readVirtioStatus(qmp, net.path)).hostFeatures.includes('VIRTIO_NET_F_MTU'));
	assert.equal(await readHostMtu(qmp, net.path), 0);
	await qmp.close();
});
