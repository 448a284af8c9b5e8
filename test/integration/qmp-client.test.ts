// The QMP client against a real, paused QEMU: host-side device facts need no guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Qmp, QmpError, type QmpEvent } from '../../src/devices/qmp.ts';
import { UserError } from '../../src/common/errors.ts';

let dir: string;
let qemu: ChildProcess;
let sock: string;

async function waitFor(path: string): Promise<void> {
	for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(50);
}

before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'obsdtui-qmp-'));
	sock = join(dir, 'qmp.sock');
	qemu = spawn('qemu-system-aarch64', [
		'-M', 'virt,acpi=off', '-cpu', 'cortex-a72', '-nodefaults', '-display', 'none', '-S',
		'-qmp', `unix:${sock},server=on,wait=off`,
		'-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,id=net0,host_mtu=9000,romfile=',
		'-device', 'virtio-gpu-pci,id=gpu0',
	], { stdio: ['ignore', 'ignore', 'inherit'] });
	await waitFor(sock);
});

after(() => {
	qemu.kill();
	rmSync(dir, { recursive: true, force: true });
});

test('greeting, capabilities, request by id, errors as one line, events, clean close', async () => {
	const qmp = await Qmp.connect(sock);
	assert.match(qmp.version, /^\d+\.\d+\.\d+$/);

	// Several requests in flight at once each get their own answer.
	const [status, mtu, list] = await Promise.all([
		qmp.execute<{ status: string }>('query-status'),
		qmp.execute<number>('qom-get', { path: '/machine/peripheral/net0', property: 'host_mtu' }),
		qmp.execute<{ name: string; path: string }[]>('x-query-virtio'),
	]);
	assert.equal(status.status, 'prelaunch');
	assert.equal(mtu, 9000);
	assert.deepEqual(list.map((d) => d.path).sort(), [
		'/machine/peripheral/gpu0/virtio-backend',
		'/machine/peripheral/net0/virtio-backend',
	]);

	await assert.rejects(qmp.execute('no-such-command'), (e: unknown) => {
		assert.ok(e instanceof QmpError);
		assert.equal(e.errorClass, 'CommandNotFound');
		assert.ok(!e.message.includes('\n'));
		return true;
	});

	const events: QmpEvent[] = [];
	qmp.on('event', (ev) => events.push(ev));
	await qmp.execute('stop');
	await qmp.execute('cont');
	for (let i = 0; i < 100 && !events.some((e) => e.event === 'RESUME'); i++) await sleep(20);
	assert.ok(events.some((e) => e.event === 'RESUME'), `events: ${events.map((e) => e.event).join(',')}`);
	await qmp.execute('stop');

	await qmp.close();
	assert.equal(qmp.isClosed, true);
	await assert.rejects(qmp.execute('query-status'), UserError);

	// QEMU serves one monitor client at a time: after a clean close it accepts the next.
	const again = await Qmp.connect(sock);
	assert.equal((await again.execute<{ running: boolean }>('query-status')).running, false);
	await again.close();
});

test('a socket nobody listens on is a one-line UserError', async () => {
	await assert.rejects(Qmp.connect(join(dir, 'absent.sock')), (e: unknown) => {
		assert.ok(e instanceof UserError);
		assert.match(e.message, /not listening/);
		return true;
	});
});

test('pending requests fail when QEMU goes away', async () => {
	const qmp = await Qmp.connect(sock);
	let closed = false;
	qmp.on('close', () => { closed = true; });
	const late = qmp.execute('quit').then(() => qmp.execute('query-status'));
	late.catch(() => {});
	for (let i = 0; i < 100 && !closed; i++) await sleep(20);
	assert.equal(closed, true);
	await assert.rejects(late, UserError);
	await assert.rejects(qmp.execute('query-status'), /connection closed/);
});
